using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests;

public sealed class SearchQueryParserTests
{
    [Fact]
    public void Words_prefixes_and_phrases_are_read_in_order_and_other_characters_separate_words()
    {
        var query = SearchQueryParser.Parse("  Grain417, \"the Orleans  grain\" silo* e-mail ");

        Assert.Equal(["word Grain417", "phrase the Orleans grain", "prefix silo", "word e", "word mail"], query.Terms.Select(Describe));
    }

    [Fact]
    public void Query_syntax_characters_of_the_stores_are_only_separators()
    {
        var query = SearchQueryParser.Parse("a & | ! ( ) : < - > ' x");

        Assert.Equal(["word a", "word x"], query.Terms.Select(Describe));
    }

    private static string Describe(SearchTerm term) => term switch
    {
        SearchWord word => "word " + word.Text,
        SearchPrefix prefix => "prefix " + prefix.Text,
        SearchPhrase phrase => "phrase " + string.Join(' ', phrase.Words),
        _ => throw new ArgumentOutOfRangeException(nameof(term)),
    };

    [Theory]
    [InlineData("\"orleans grain", "no closing")]
    [InlineData("*", "'*'")]
    [InlineData("grain *", "'*'")]
    [InlineData("*grain", "'*'")]
    [InlineData("gr*", "at least 3")]
    [InlineData("gr*ain", "'*'")]
    [InlineData("grain**", "'*'")]
    [InlineData("\"grain*\"", "inside a phrase")]
    [InlineData("\"\"", "no words")]
    [InlineData("\" , \"", "no words")]
    [InlineData("!!! ...", "at least one word")]
    [InlineData(" ", "1–512 characters")]
    [InlineData("a\u0000b", "control characters")]
    [InlineData("a b c d e f g h i j k l m n o p q", "at most 16 terms")]
    public void A_query_it_cannot_read_is_refused_naming_the_problem(string query, string problem)
    {
        var exception = Assert.Throws<InvalidSearchRequestException>(() => SearchQueryParser.Parse(query));

        Assert.Equal("q", exception.Field);
        Assert.Contains(problem, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_query_longer_than_512_characters_is_refused()
    {
        var exception = Assert.Throws<InvalidSearchRequestException>(() => SearchQueryParser.Parse(new string('x', 513)));

        Assert.Contains("1–512 characters", exception.Message, StringComparison.Ordinal);
        Assert.Single(SearchQueryParser.Parse(new string('x', 512)).Terms);
    }
}
