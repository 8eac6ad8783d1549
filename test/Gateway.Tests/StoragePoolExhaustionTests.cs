using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A request whose grain storage pool has no free connection waits for one at most the pool's
/// connection wait (5 s), then gets 503 with <c>Retry-After</c>: not a 500, and not Orleans' time-out
/// after 30 s. The failure is logged once, in one line, where the silo converts it.
/// </summary>
public sealed class StoragePoolExhaustionTests(PostgresServer postgres)
{
    private const int Budget = ConnectionBudget.SiloMinimum; // a grain storage pool of one connection

    [Fact]
    public async Task A_request_finding_the_storage_pool_full_gets_503_within_the_connection_wait_logged_once()
    {
        var database = await postgres.CreateDatabaseAsync(ordinaryRole: true);
        var capture = new CapturingLoggerProvider();
        var settings = PostgresSilo.ClusterSettings(database, "c" + Guid.NewGuid().ToString("N")[..10]);
        settings["Database:MaxConnections"] = Budget.ToString(CultureInfo.InvariantCulture);
        await using var gateway = new GatewayFactory(settings, services: services => services.AddSingleton<ILoggerProvider>(capture));
        using var http = gateway.CreateHttpClient(TestTokens.Alice);
        var waiting = TaskRequests.Body(2);
        waiting["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        var task = await TaskRequests.CreateAsync(http, waiting);

        var before = capture.Entries.Count;
        TimeSpan waited;
        HttpStatusCode status;
        string body;
        TimeSpan? retryAfter;
        // The embedded silo's grain storage pool is Npgsql's pool of this very connection string: hold its one connection.
        await using (var held = new NpgsqlConnection(ConnectionBudget.ForSilo(database, Budget).Storage))
        {
            await held.OpenAsync(TestContext.Current.CancellationToken);
            var clock = Stopwatch.StartNew();
            using var response = await http.PostAsync($"/api/tasks/{task}/cancel", null, TestContext.Current.CancellationToken);
            waited = clock.Elapsed;
            (status, body, retryAfter) = (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response.Headers.RetryAfter?.Delta);
        }

        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"cancelling with a full pool answered {(int)status} after {waited.TotalSeconds:F1} s: {body}");
        Assert.Equal(TimeSpan.FromSeconds(5), retryAfter);
        using (var problem = JsonDocument.Parse(body))
        {
            Assert.Equal("Storage unavailable", problem.RootElement.GetProperty("title").GetString());
        }

        Assert.InRange(waited, TimeSpan.FromSeconds(ConnectionBudget.ConnectionWaitSeconds - 0.5), TimeSpan.FromSeconds(15));

        using (var retried = await http.PostAsync($"/api/tasks/{task}/cancel", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        }

        // The storage layers (provider, Orleans' storage bridge, boundary, call filter) and the gateway
        // write one line for the task's failed write. (Its stream's rendezvous grain failing to read its
        // own state, and the admission queue's index written by its timer meanwhile, are other failures,
        // converted and logged apart.)
        string[] layers = ["OrleansTasks.Storage.", "Orleans.Storage.", "OrleansTasks.Gateway.", "Microsoft.AspNetCore."];
        var logged = capture.Entries.Skip(before)
            .Where(e => e.Contains("[Warning]", StringComparison.Ordinal) || e.Contains("[Error]", StringComparison.Ordinal) || e.Contains("[Critical]", StringComparison.Ordinal))
            .Where(e => layers.Any(layer => e.StartsWith(layer, StringComparison.Ordinal)) && !e.Contains("pubsubrendezvous/", StringComparison.Ordinal) && !e.Contains(" of admission-queue", StringComparison.Ordinal))
            .ToList();
        Assert.DoesNotContain(capture.Entries, e => e.Contains("connection pool has been exhausted", StringComparison.OrdinalIgnoreCase));
        Assert.True(logged.Count == 1, $"the failure was logged {logged.Count} times:\n{string.Join("\n----\n", logged)}");
        var line = logged[0];
        Assert.StartsWith($"OrleansTasks.Storage.Faults [Warning] The task store was unavailable for writing task state of index-task/{task:N} ", line, StringComparison.Ordinal);
        Assert.Contains("(SqlState pool timeout): No connection to the task store became free in time", line, StringComparison.Ordinal);
        Assert.EndsWith("| ", line, StringComparison.Ordinal);
    }
}
