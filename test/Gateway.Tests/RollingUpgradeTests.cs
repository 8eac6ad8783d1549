using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage.Schema;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A rolling upgrade on real processes: silos of the previous build and of this one in one cluster. A retry, which
/// the previous build's silos cannot run, is refused while one of them is in the cluster and runs once it has left.
/// </summary>
public sealed class RollingUpgradeTests(PostgresServer postgres, ITestOutputHelper output)
{
    // The README's upgrade step: new silos keep small tasks in chunks while a silo of the previous build runs.
    private static readonly Dictionary<string, string?> Lease = new() { ["Tasks:LeasePeriod"] = "00:00:05", ["Tasks:InlineSmallTasks"] = "false" };

    [Fact]
    public async Task Tasks_complete_while_a_silo_of_the_previous_build_serves_beside_this_one_and_is_then_replaced()
    {
        var previousSilo = await PreviousRelease.SiloAsync();
        var database = await postgres.CreateDatabaseAsync(migrate: false);

        await using var cluster = RunningCluster.Create(database);
        try
        {
            await UpgradeAsync(database, cluster, previousSilo);
        }
        catch (Exception)
        {
            // The gateway's and silos' own account of a failure (an unexpected 500, say) is lost with the processes.
            output.WriteLine(cluster.RecentOutput);
            throw;
        }
    }

    private async Task UpgradeAsync(string database, RunningCluster cluster, string previousSilo)
    {
        // The README's order: a site of the previous release runs on its own schema; this build's migration comes
        // first, with the old silo still serving; then a silo and a gateway of this build join it.
        var old = cluster.StartSilo(new Dictionary<string, string?>(Lease) { ["Cluster:MigrateOnStart"] = "true" }, previousSilo);
        // Active, not only migrated: a silo checks the schema again after migrating, and would refuse the newer one.
        await Eventually.TrueAsync(async () => await cluster.ActiveSilosAsync() == 1, TimeSpan.FromMinutes(2),
            $"the previous release's silo to apply its schema (version {PreviousRelease.SchemaVersion}) and join as active");
        Assert.Equal(PreviousRelease.SchemaVersion, await SchemaVersionAsync(database));
        await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).MigrateAsync(database);
        cluster.StartSilo(Lease);
        cluster.StartGateway();
        await cluster.WaitForActiveSilosAsync(2);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);

        // Tasks land on either build: go on until the old silo runs a large and a small one. The kind still missing
        // is created next, not the two kinds in turn: placement from a client can follow the client's turns between
        // its gateways (two silos: every other call), which would put every task of one kind on the same silo.
        var tasks = new List<(Guid Id, string Collection, int Documents)>();
        var (large, onOld, small, smallOnOld) = (0, 0, 0, 0);
        for (var i = 0; i < 80 && (onOld == 0 || smallOnOld == 0 || tasks.Count < 6); i++)
        {
            var isLarge = onOld == 0 || (smallOnOld > 0 && i % 2 == 0);
            var documents = isLarge ? 3000 : 10;
            var body = TaskRequests.Body(documents, words: isLarge ? 60 : 20);
            var id = await TaskRequests.CreateAsync(http, body);
            tasks.Add((id, body["collection"]!.GetValue<string>(), documents));
            var ranOnOld = await cluster.SiloRunningAsync(id) == old ? 1 : 0;
            (large, onOld, small, smallOnOld) = isLarge ? (large + 1, onOld + ranOnOld, small, smallOnOld) : (large, onOld, small + 1, smallOnOld + ranOnOld);
        }

        output.WriteLine($"{onOld} of {large} large and {smallOnOld} of {small} small tasks ran on the previous build's silo");
        var cancelled = await CancelledTaskAsync(http, cluster, old);
        await AssertRetryRefusedDuringUpgradeAsync(http, cancelled.Id);

        // The upgrade step: the old silo stops gracefully and a silo of this build takes its place.
        var exit = await old.TerminateAsync(TimeSpan.FromMinutes(1));
        cluster.StartSilo(Lease);
        var ends = new List<JsonElement>();
        foreach (var (id, _, _) in tasks)
        {
            ends.Add(await TaskRequests.WaitForEndAsync(http, id, TimeSpan.FromMinutes(3)));
        }

        await RetryOnceUpgradedAsync(http, cancelled.Id);
        tasks.Add((cancelled.Id, cancelled.Collection, 3000));

        Assert.True(onOld > 0, "no task ran on the previous build's silo");
        Assert.True(smallOnOld > 0, "no small task ran on the previous build's silo");
        Assert.Equal(0, exit);
        Assert.All(ends, end => Assert.Equal("completed", end.GetProperty("status").GetString()));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        // The cancelled task's collection too: its documents indexed once each, by the task or by its retry.
        foreach (var (_, collection, documents) in tasks)
        {
            await using var command = new NpgsqlCommand("SELECT count(*), max(write_count) FROM documents WHERE collection = @c", connection);
            command.Parameters.AddWithValue("c", collection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(((long)documents, 1), (reader.GetInt64(0), reader.GetInt32(1)));
        }
    }

    /// <summary>
    /// A large task cancelled while it runs, preferably one the previous build's silo runs (its documents and
    /// results, stored by that build, are what the retry reads later).
    /// </summary>
    private async Task<(Guid Id, string Collection)> CancelledTaskAsync(HttpClient http, RunningCluster cluster, ProcessHost old)
    {
        const int Attempts = 10;
        for (var attempt = 1; ; attempt++)
        {
            var body = TaskRequests.Body(3000, words: 60);
            var id = await TaskRequests.CreateAsync(http, body);
            var onOld = await cluster.SiloRunningAsync(id) == old;
            if (!onOld && attempt < Attempts)
            {
                continue;
            }

            output.WriteLine($"the task cancelled for a retry ran on the {(onOld ? "previous" : "current")} build's silo");
            using var cancel = await http.PostAsync($"/api/tasks/{id}/cancel", null);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            var end = await TaskRequests.WaitForEndAsync(http, id, TimeSpan.FromMinutes(3));
            Assert.Equal("cancelled", end.GetProperty("status").GetString());
            return (id, body["collection"]!.GetValue<string>());
        }
    }

    private static async Task AssertRetryRefusedDuringUpgradeAsync(HttpClient http, Guid taskId)
    {
        using var refused = await http.PostAsync($"/api/tasks/{taskId}/retry", null);
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"a retry beside the previous build's silo answered {(int)refused.StatusCode}: {problem}");
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "the 503 says when to try again (Retry-After)");
        Assert.False((await TaskRequests.GetAsync(http, taskId)).TryGetProperty("retried_by", out _), "a refused retry linked the task");
    }

    /// <summary>Retries the task once the gateway sees that every silo runs this build; the retry completes, linked both ways.</summary>
    private static async Task RetryOnceUpgradedAsync(HttpClient http, Guid taskId)
    {
        var retryId = Guid.Empty;
        var key = Guid.NewGuid().ToString("N");
        await Eventually.TrueAsync("the gateway to see that every silo runs this build (its cluster manifest refreshes every minute) and accept the retry", async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{taskId}/retry");
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return false;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"the retry after the upgrade answered {(int)response.StatusCode}: {text}");
            using var json = JsonDocument.Parse(text);
            retryId = json.RootElement.GetProperty("task_id").GetGuid();
            return true;
        }, TimeSpan.FromMinutes(3));

        var end = await TaskRequests.WaitForEndAsync(http, retryId, TimeSpan.FromMinutes(3));
        Assert.Equal("completed", end.GetProperty("status").GetString());
        Assert.Equal(taskId, end.GetProperty("retry_of").GetGuid());
        Assert.Equal(retryId, (await TaskRequests.GetAsync(http, taskId)).GetProperty("retried_by").GetGuid());
    }

    private static async Task<int> SchemaVersionAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return await SchemaMigrator.CurrentVersionAsync(connection, CancellationToken.None);
    }
}
