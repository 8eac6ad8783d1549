using System.Globalization;
using System.Text;
using Npgsql;
using OrleansTasks.Search;

namespace OrleansTasks.Indexing;

/// <summary>
/// Turns a <see cref="SearchQuery"/> into a PostgreSQL <c>tsquery</c> expression in the
/// <c>english</c> configuration: the terms AND-ed with <c>&amp;&amp;</c>, each word a
/// <c>plainto_tsquery</c> and each phrase a <c>phraseto_tsquery</c> of a parameter (plain text, no
/// operators), each prefix a <c>to_tsquery</c> of one quoted lexeme marked <c>:*</c>. The SQL text
/// holds only parameter names; a term that is only stop words becomes an empty tsquery, which
/// <c>&amp;&amp;</c> drops.
/// </summary>
public static class PostgresTextQuery
{
    /// <summary>The expression, in parentheses, and the parameters it names (<c>@term0</c>, <c>@term1</c>, …), new for each command.</summary>
    public static (string Expression, IReadOnlyList<NpgsqlParameter> Parameters) Build(SearchQuery query)
    {
        var expression = new StringBuilder();
        var parameters = new List<NpgsqlParameter>(query.Terms.Length);
        foreach (var term in query.Terms)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"term{parameters.Count}");
            var (function, value) = term switch
            {
                SearchWord word => ("plainto_tsquery", word.Text),
                SearchPhrase phrase => ("phraseto_tsquery", string.Join(' ', phrase.Words)),
                SearchPrefix prefix => ("to_tsquery", QuotedLexeme(prefix.Text) + ":*"),
                _ => throw new ArgumentOutOfRangeException(nameof(query), term, "Unknown search term."),
            };
            expression.Append(expression.Length == 0 ? "" : " && ").Append(function).Append("('english', @").Append(name).Append(')');
            parameters.Add(new NpgsqlParameter<string>(name, value));
        }

        return ("(" + expression + ")", parameters);
    }

    /// <summary>A lexeme in tsquery's quoted form, so that no character of it can act as an operator.</summary>
    private static string QuotedLexeme(string text) =>
        "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
}
