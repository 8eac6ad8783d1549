using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>An embedded gateway with <c>Tasks:IndexDirectory</c>: its index outlives the process's restart, and its kill.</summary>
public sealed class EmbeddedIndexRestartTests : IDisposable
{
    private readonly string _index = Directory.CreateTempSubdirectory("orleans-tasks-embedded-index-").FullName;
    private readonly string _uploads = Directory.CreateTempSubdirectory("orleans-tasks-embedded-uploads-").FullName;

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

    [Fact]
    public async Task Documents_a_delete_missing_task_removed_stay_removed_after_the_gateway_is_killed()
    {
        JsonElement removing;
        await using (var first = await StartProcessAsync())
        {
            using var admin = Client(first);
            await UploadApiTests.IndexUploadAsync(admin, "killed", UploadApiTests.DeleteMissingBody(0, 10), deleteMissing: false);
            removing = await UploadApiTests.IndexUploadAsync(admin, "killed", UploadApiTests.DeleteMissingBody(0, 7), deleteMissing: true);

            // No graceful stop, no later write: only what was committed to the directory survives.
            await first.Process.KillAsync();
        }

        await using var second = await StartProcessAsync();
        using var client = Client(second);

        Assert.Equal(3, removing.GetProperty("counts").GetProperty("deleted").GetInt64());
        Assert.Equal(["up-0", "up-1", "up-2", "up-3", "up-4", "up-5", "up-6"], await UploadApiTests.SearchIdsAsync(client, "killed"));
    }

    public void Dispose()
    {
        Directory.Delete(_index, recursive: true);
        Directory.Delete(_uploads, recursive: true);
    }

    private GatewayFactory Gateway() => new(new Dictionary<string, string?> { ["Tasks:IndexDirectory"] = _index });

    private static HttpClient Client(EmbeddedProcess gateway)
    {
        var http = new HttpClient { BaseAddress = gateway.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestTokens.Admin);
        return http;
    }

    /// <summary>An embedded gateway process on the test's index and upload directories, once it answers ready.</summary>
    private async Task<EmbeddedProcess> StartProcessAsync()
    {
        var address = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        var process = ProcessHost.Start("embedded-gateway", "OrleansTasks.Gateway.dll", ProcessHost.Environment(new Dictionary<string, string?>
        {
            ["Tasks:IndexDirectory"] = _index,
            ["Tasks:UploadDirectory"] = _uploads,
            ["Auth:SigningKey"] = TestTokens.SigningKey,
            ["ASPNETCORE_URLS"] = address.ToString(),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_CONTENTROOT"] = Path.Combine(RepositoryPaths.Root, "Gateway"),
            ["Cluster:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Gateway:RequestsPerSecond"] = "100000",
            ["Gateway:RequestBurst"] = "100000",
        }));
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.TrueAsync("the embedded gateway process to answer ready", async () =>
        {
            Assert.False(process.HasExited, $"the gateway exited:\n{process.RecentOutput}");
            try
            {
                using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                return ready.IsSuccessStatusCode;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromMinutes(2));
        return new EmbeddedProcess(process, address);
    }

    private sealed record EmbeddedProcess(ProcessHost Process, Uri Address) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }
}
