using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>An embedded gateway with <c>Tasks:IndexDirectory</c>: its index outlives the process's restart.</summary>
public sealed class EmbeddedIndexRestartTests : IDisposable
{
    private readonly string _index = Directory.CreateTempSubdirectory("orleans-tasks-embedded-index-").FullName;

    [Fact]
    public async Task Documents_indexed_before_a_restart_are_found_after_it_and_skipped_as_unchanged()
    {
        var body = TaskRequests.Body(40, collection: "kept");
        await using (var before = Gateway())
        {
            using var alice = before.CreateHttpClient(TestTokens.Alice);
            await TaskRequests.WaitForEndAsync(alice, await TaskRequests.CreateAsync(alice, body));
        }

        await using var after = Gateway();
        using var client = after.CreateHttpClient(TestTokens.Alice);
        var found = await client.GetFromJsonAsync<JsonElement>("/api/search?collection=kept&q=number17");
        var again = await TaskRequests.WaitForEndAsync(client, await TaskRequests.CreateAsync(client, body));

        Assert.Equal("doc-00017.md", Assert.Single(found.GetProperty("hits").EnumerateArray().ToList()).GetProperty("id").GetString());
        Assert.Equal(40, again.GetProperty("counts").GetProperty("unchanged").GetInt32());
    }

    public void Dispose() => Directory.Delete(_index, recursive: true);

    private GatewayFactory Gateway() => new(new Dictionary<string, string?> { ["Tasks:IndexDirectory"] = _index });
}
