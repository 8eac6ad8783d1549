using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrleansTasks.Testing;

/// <summary>
/// A generated JSON-lines corpus on disk, one document a line <c>{"id","title","content"}</c>, as a
/// directory source reads it: the same documents every time for the same count and words.
/// </summary>
public static class JsonLinesCorpus
{
    public static string Id(int i) => string.Create(CultureInfo.InvariantCulture, $"doc-{i:D8}");

    public static string Title(int i) => string.Create(CultureInfo.InvariantCulture, $"Document {i}");

    /// <summary>Writes <paramref name="documents"/> lines of about <paramref name="words"/> words each to <paramref name="path"/>; returns its size in bytes.</summary>
    public static long Write(string path, int documents, int words)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(stream, documents, words);
        return stream.Length;
    }

    /// <summary>The lines <see cref="Write"/> writes, as an upload's body.</summary>
    public static byte[] Bytes(int documents, int words)
    {
        using var stream = new MemoryStream();
        WriteTo(stream, documents, words);
        return stream.ToArray();
    }

    private static void WriteTo(Stream stream, int documents, int words)
    {
        using var json = new Utf8JsonWriter(stream);
        for (var i = 0; i < documents; i++)
        {
            json.WriteStartObject();
            json.WriteString("id", Id(i));
            json.WriteString("title", Title(i));
            json.WriteString("content", TaskRequests.Content(i, words));
            json.WriteEndObject();
            json.Flush();
            stream.WriteByte((byte)'\n');
            json.Reset();
        }
    }

    /// <summary>The documents of a corpus file, read back line by line.</summary>
    public static IEnumerable<(string Id, string Title, string Content)> Read(string path)
    {
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            yield return (root.GetProperty("id").GetString()!, root.GetProperty("title").GetString()!, root.GetProperty("content").GetString()!);
        }
    }
}
