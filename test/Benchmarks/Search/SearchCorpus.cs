using System.Globalization;

namespace OrleansTasks.Benchmarks.Search;

/// <summary>
/// Generated documents of ~1 KB whose vocabulary gives terms of known frequency: common English
/// words (in 10–95 % of documents), selective pseudo-words (each in ~1 %), rare ones (~0.01 %),
/// numbered words as the README generates them (<c>grain417</c>), and one adjacent pair per
/// document from a pool of phrases (each in ~0.1 %). Document <c>i</c> is the same on every run.
/// </summary>
internal static class SearchCorpus
{
    public const int SelectiveWords = 2_500;
    public const int RareWords = 50_000;
    public const int Phrases = 1_000;

    private const int CommonPerDocument = 100;
    private const int SelectivePerDocument = 25;
    private const int RarePerDocument = 5;
    private const int NumberedPerDocument = 10;
    private const string Consonants = "bcdfghjlmnprtvz";
    private const string Vowels = "aeiou";

    public static readonly string[] Common =
    [
        "orleans", "grain", "silo", "stream", "index", "search", "progress", "socket", "cluster", "reminder",
        "gateway", "actor", "message", "state", "storage", "timer", "client", "server", "request", "response",
        "document", "collection", "result", "batch", "schedule", "retry", "failure", "network", "database", "query",
        "memory", "thread", "queue", "event", "version", "upgrade", "partition", "replica", "leader", "follower",
    ];

    /// <summary>A selective word, e.g. <c>qmorak</c>: the letter q, two syllables and a k the stemmer leaves alone.</summary>
    public static string Selective(int n) => "q" + Syllable(n % 75) + Syllable(n / 75 % 75) + "k";

    public static string Rare(int n) => "x" + Syllable(n % 75) + Syllable(n / 75 % 75) + Syllable(n / 5625 % 75) + "k";

    /// <summary>Phrase <paramref name="n"/>: two selective words that otherwise meet only by chance.</summary>
    public static (string First, string Second) Phrase(int n) => (Selective(n * 7 % SelectiveWords), Selective((n * 13 + 1_001) % SelectiveWords));

    public static string Id(int i) => string.Create(CultureInfo.InvariantCulture, $"doc-{i:D7}");

    public static string Title(int i) => string.Create(CultureInfo.InvariantCulture, $"Document {i}");

    public static string Content(int i)
    {
        var random = new Random(i);
        var words = new List<string>(CommonPerDocument + SelectivePerDocument + RarePerDocument + NumberedPerDocument + 2);
        for (var k = 0; k < CommonPerDocument; k++)
        {
            // Squaring a uniform draw skews it: the first common words are in almost every
            // document, the last in about one in ten.
            var u = random.NextDouble();
            words.Add(Common[(int)(u * u * Common.Length)]);
        }

        for (var k = 0; k < SelectivePerDocument; k++)
        {
            words.Add(Selective(random.Next(SelectiveWords)));
        }

        for (var k = 0; k < RarePerDocument; k++)
        {
            words.Add(Rare(random.Next(RareWords)));
        }

        for (var k = 0; k < NumberedPerDocument; k++)
        {
            words.Add(Common[random.Next(10)] + random.Next(1000).ToString(CultureInfo.InvariantCulture));
        }

        Shuffle(random, words);
        var (first, second) = Phrase(random.Next(Phrases));
        words.Insert(random.Next(words.Count), first + " " + second);
        return string.Join(' ', words);
    }

    public static string ContentHash(int i) => i.ToString("x64", CultureInfo.InvariantCulture);

    private static string Syllable(int n) => new([Consonants[n % Consonants.Length], Vowels[n / Consonants.Length]]);

    private static void Shuffle(Random random, List<string> words)
    {
        for (var k = words.Count - 1; k > 0; k--)
        {
            var j = random.Next(k + 1);
            (words[k], words[j]) = (words[j], words[k]);
        }
    }
}
