using System.Net;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>A silo process's <c>/health/ready</c> (what the compose health check probes): ready while active with its database, 503 once PostgreSQL is gone.</summary>
public sealed class SiloReadinessTests
{
    [Fact]
    public async Task A_silo_is_ready_while_active_with_its_database_and_answers_503_once_postgres_stops()
    {
        await using var server = new PostgresServer();
        await server.InitializeAsync();
        var database = await server.CreateDatabaseAsync();
        var port = FreePorts.Next();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1,
            new Dictionary<string, string?> { ["Silo:MetricsUrls"] = $"http://127.0.0.1:{port}" });
        using var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };

        var ready = "";
        await Eventually.TrueAsync("the silo's /health/ready to answer 200", async () =>
        {
            (var status, ready) = await ReadyAsync(probe);
            return status == HttpStatusCode.OK;
        }, TimeSpan.FromMinutes(1));
        await server.StopAsync();
        var down = "";
        await Eventually.TrueAsync("the silo's /health/ready to answer 503 after PostgreSQL stopped", async () =>
        {
            (var status, down) = await ReadyAsync(probe);
            return status == HttpStatusCode.ServiceUnavailable;
        }, TimeSpan.FromMinutes(1));
        using var live = await probe.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.StartsWith("Healthy: the silo is active and its database answers", ready, StringComparison.Ordinal);
        Assert.StartsWith("Unhealthy: the silo's database does not answer", down, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyAsync(HttpClient probe)
    {
        using var response = await probe.GetAsync(new Uri("/health/ready", UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
