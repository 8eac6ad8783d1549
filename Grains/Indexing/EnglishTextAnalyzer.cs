using System.Text;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Snowball;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Tartarus.Snowball.Ext;
using Lucene.Net.Util;

namespace OrleansTasks.Indexing;

/// <summary>
/// The embedded store's analyzer, chosen to match PostgreSQL's <c>english</c> text-search
/// configuration so that a query finds the same documents in both stores: lower case, the
/// Snowball English stop words (the list PostgreSQL's <c>english.stop</c> also comes from), and
/// the Snowball English (Porter2) stemmer PostgreSQL's <c>english_stem</c> uses. Removed stop words
/// leave their positions behind, as in a tsvector, so phrases count them as gaps.
/// </summary>
public sealed class EnglishTextAnalyzer(LuceneVersion version) : Analyzer
{
    private static readonly CharArraySet StopWords = SnowballStopWords();

    /// <summary>Lucene's copy of the Snowball list lacks the last words PostgreSQL's has (so <c>grain's</c> is <c>grain</c> in both).</summary>
    private static CharArraySet SnowballStopWords()
    {
        var words = WordlistLoader.GetSnowballWordSet(
            IOUtils.GetDecodingReader(typeof(SnowballFilter), "english_stop.txt", Encoding.UTF8), LuceneVersion.LUCENE_48);
        foreach (var word in new[] { "s", "t", "can", "will", "just", "don", "should", "now" })
        {
            words.Add(word);
        }

        return words;
    }

    protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
    {
        var tokenizer = new StandardTokenizer(version, reader);
        TokenStream stream = new EnglishPossessiveFilter(version, tokenizer);
        stream = new LowerCaseFilter(version, stream);
        stream = new StopFilter(version, stream, StopWords);
        stream = new SnowballFilter(stream, new EnglishStemmer());
        return new TokenStreamComponents(tokenizer, stream);
    }
}
