using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed partial class SearchApiTests(SharedGateway gateway)
{
    [Theory]
    [InlineData("%22orleans+grain", "no closing")]
    [InlineData("*", "'*' that does not end a word")]
    [InlineData("gr*", "at least 3 letters")]
    [InlineData("gr*ain", "'*' that does not end a word")]
    [InlineData("%22grain*%22", "inside a phrase")]
    [InlineData("%22%22", "no words")]
    [InlineData("!!!", "at least one word")]
    [InlineData("a+b+c+d+e+f+g+h+i+j+k+l+m+n+o+p+q", "at most 16 terms")]
    public async Task A_query_it_cannot_read_is_a_400_naming_the_problem(string query, string problem)
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);

        using var response = await client.GetAsync($"/api/search?collection=docs&q={query}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(problem, body.GetProperty("errors").GetProperty("q")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_longer_than_512_characters_is_a_400()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);

        using var response = await client.GetAsync($"/api/search?collection=docs&q={new string('x', 513)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>
    /// The README's walk-through: documents generated the way its script makes them (three plain
    /// words of its vocabulary, then 300 words with numbers), then each of its search commands.
    /// </summary>
    [Fact]
    public async Task Every_search_of_the_readme_finds_documents_its_task_indexed()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "README.md"));
        var vocabulary = VocabularyLine().Match(readme).Groups[1].Value.Split(' ');
        var searches = SearchCommand().Matches(readme).Select(match => match.Groups[1].Value).ToArray();
        Assert.True(vocabulary.Length > 5, "the README's generator names its words");
        Assert.True(searches.Length >= 3, "the README shows a word, a prefix and a phrase search");
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var collection = "readme" + Guid.NewGuid().ToString("N")[..12];
        var taskId = await TaskRequests.CreateAsync(client, ReadmeDocuments(collection, vocabulary, count: 1000));
        await TaskRequests.WaitForEndAsync(client, taskId, TimeSpan.FromMinutes(2));

        foreach (var query in searches)
        {
            var found = await client.GetFromJsonAsync<JsonElement>($"/api/search?collection={collection}&q={query}&limit=3");

            Assert.True(found.GetProperty("hits").GetArrayLength() == 3, $"the README's search q={query} found {found}");
            Assert.All(found.GetProperty("hits").EnumerateArray(), hit => Assert.Contains("<mark>", hit.GetProperty("snippet").GetString(), StringComparison.Ordinal));
        }
    }

    private static JsonObject ReadmeDocuments(string collection, string[] words, int count)
    {
        var random = new Random(21);
        return new JsonObject
        {
            ["collection"] = collection,
            ["documents"] = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject
            {
                ["id"] = string.Create(CultureInfo.InvariantCulture, $"doc-{i:D5}.md"),
                ["title"] = string.Create(CultureInfo.InvariantCulture, $"Document {i}"),
                ["content"] = string.Join(' ', words.OrderBy(_ => random.Next()).Take(3)
                    .Concat(Enumerable.Range(0, 300).Select(_ => words[random.Next(words.Length)] + random.Next(1000).ToString(CultureInfo.InvariantCulture)))),
            })]),
        };
    }

    [GeneratedRegex("""words = "([a-z ]+)"\.split\(\)""")]
    private static partial Regex VocabularyLine();

    [GeneratedRegex("""curl -s "localhost:8800/api/search\?collection=docs&q=([^&]+)&limit=3""")]
    private static partial Regex SearchCommand();
}
