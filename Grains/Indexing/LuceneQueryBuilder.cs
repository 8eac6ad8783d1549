using Lucene.Net.Analysis;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Index;
using Lucene.Net.Search;
using OrleansTasks.Search;

namespace OrleansTasks.Indexing;

/// <summary>
/// Turns a <see cref="SearchQuery"/> into Lucene query objects over one field, running each term's
/// words through the index's analyzer: a word becomes its stem's <see cref="TermQuery"/>, a prefix a
/// <see cref="PrefixQuery"/> on its stem, a phrase a <see cref="PhraseQuery"/> that keeps the gaps
/// of stop words. Terms that are only stop words drop out, as in PostgreSQL.
/// </summary>
public sealed class LuceneQueryBuilder(Analyzer analyzer)
{
    /// <summary>All terms required in <paramref name="field"/>, or null when every term was a stop word.</summary>
    public Query? Build(SearchQuery query, string field)
    {
        var all = new BooleanQuery();
        foreach (var term in query.Terms)
        {
            if (Build(term, field) is { } clause)
            {
                all.Add(clause, Occur.MUST);
            }
        }

        return all.Clauses.Count == 0 ? null : all;
    }

    private Query? Build(SearchTerm term, string field)
    {
        switch (term)
        {
            case SearchPrefix prefix:
                return Analyze(field, prefix.Text) is [var (stem, _)] ? new PrefixQuery(new Term(field, stem)) : null;
            case SearchWord word:
                return Phrase(field, Analyze(field, word.Text));
            case SearchPhrase phrase:
                return Phrase(field, Analyze(field, string.Join(' ', phrase.Words)));
            default:
                throw new ArgumentOutOfRangeException(nameof(term), term, "Unknown search term.");
        }
    }

    private static Query? Phrase(string field, IReadOnlyList<(string Stem, int Position)> tokens)
    {
        switch (tokens)
        {
            case []:
                return null;
            case [var (stem, _)]:
                return new TermQuery(new Term(field, stem));
            default:
                var phrase = new PhraseQuery();
                foreach (var (stem, position) in tokens)
                {
                    phrase.Add(new Term(field, stem), position);
                }

                return phrase;
        }
    }

    private List<(string Stem, int Position)> Analyze(string field, string text)
    {
        var tokens = new List<(string, int)>();
        using var stream = analyzer.GetTokenStream(field, text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        var increment = stream.AddAttribute<IPositionIncrementAttribute>();
        stream.Reset();
        var position = -1;
        while (stream.IncrementToken())
        {
            position += increment.PositionIncrement;
            tokens.Add((term.ToString(), position));
        }

        stream.End();
        return tokens;
    }
}
