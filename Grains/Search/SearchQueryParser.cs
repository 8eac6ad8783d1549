using System.Collections.Immutable;

namespace OrleansTasks.Search;

/// <summary>
/// Reads the <c>q</c> of a search (docs/protocol.md, "Search queries"): words, prefixes ending in
/// <c>*</c> and double-quoted phrases, separated by anything that is not a letter or digit. A query
/// it cannot read is refused with an <see cref="InvalidSearchRequestException"/> naming the problem.
/// </summary>
public static class SearchQueryParser
{
    public const int MaxQueryLength = 512;
    public const int MaxTerms = 16;
    public const int MinPrefixLength = 3;

    public static SearchQuery Parse(string query)
    {
        if (string.IsNullOrWhiteSpace(query) || query.Length > MaxQueryLength)
        {
            throw Invalid($"'q' must be 1–{MaxQueryLength} characters.");
        }

        if (query.Any(char.IsControl))
        {
            throw Invalid("'q' must not contain control characters.");
        }

        var terms = ImmutableArray.CreateBuilder<SearchTerm>();
        var position = 0;
        while (position < query.Length)
        {
            var character = query[position];
            if (character == '"')
            {
                var end = query.IndexOf('"', position + 1);
                if (end < 0)
                {
                    throw Invalid("'q' has a phrase with no closing '\"'.");
                }

                terms.Add(Phrase(query[(position + 1)..end]));
                position = end + 1;
            }
            else if (character == '*')
            {
                throw Invalid($"'q' has a '*' that does not end a word of at least {MinPrefixLength} letters or digits.");
            }
            else if (char.IsLetterOrDigit(character))
            {
                var end = WordEnd(query, position);
                var word = query[position..end];
                if (end < query.Length && query[end] == '*')
                {
                    terms.Add(Prefix(word, query, end));
                    end++;
                }
                else
                {
                    terms.Add(new SearchWord(word));
                }

                position = end;
            }
            else
            {
                position++;
            }

            if (terms.Count > MaxTerms)
            {
                throw Invalid($"'q' may hold at most {MaxTerms} terms (words, prefixes and phrases).");
            }
        }

        if (terms.Count == 0)
        {
            throw Invalid("'q' must hold at least one word: letters or digits.");
        }

        return new SearchQuery(terms.ToImmutable());
    }

    private static SearchPrefix Prefix(string word, string query, int star)
    {
        if (word.Length < MinPrefixLength || (star + 1 < query.Length && (char.IsLetterOrDigit(query[star + 1]) || query[star + 1] == '*')))
        {
            throw Invalid($"'q' has a '*' that does not end a word of at least {MinPrefixLength} letters or digits.");
        }

        return new SearchPrefix(word);
    }

    private static SearchPhrase Phrase(string text)
    {
        if (text.Contains('*', StringComparison.Ordinal))
        {
            throw Invalid("'q' has a '*' inside a phrase; a phrase matches whole words only.");
        }

        var words = ImmutableArray.CreateBuilder<string>();
        for (var position = 0; position < text.Length;)
        {
            if (char.IsLetterOrDigit(text[position]))
            {
                var end = WordEnd(text, position);
                words.Add(text[position..end]);
                position = end;
            }
            else
            {
                position++;
            }
        }

        return words.Count == 0
            ? throw Invalid("'q' has a phrase with no words in it.")
            : new SearchPhrase(words.ToImmutable());
    }

    private static int WordEnd(string text, int start)
    {
        var end = start;
        while (end < text.Length && char.IsLetterOrDigit(text[end]))
        {
            end++;
        }

        return end;
    }

    private static InvalidSearchRequestException Invalid(string message) => new("q", message);
}
