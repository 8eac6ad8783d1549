using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansTasks.Hosting;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Three in-process silos on the test PostgreSQL (grain state, subscriptions, reminders, index)
/// and a client-mode gateway: a silo running a watched task is killed.
/// </summary>
public sealed class TestClusterFailoverTests(PostgresServer postgres)
{
    [Fact]
    public async Task Killing_a_secondary_silo_running_a_watched_task_loses_nothing()
    {
        var database = await postgres.CreateDatabaseAsync();
        var id = "tc" + Guid.NewGuid().ToString("N")[..8];
        var builder = new TestClusterBuilder(3);
        builder.Options.ClusterId = id;
        builder.Options.ServiceId = id;
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Properties["ConnectionStrings:OrleansTasks"] = database;
        builder.Properties["Tasks:LeasePeriod"] = "00:00:05";
        builder.AddSiloBuilderConfigurator<PostgresProviders>();
        builder.AddClientBuilderConfigurator<TaskStreamsClient>();
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Gateway:Mode"] = "Client",
            ["Cluster:ClusterId"] = id,
            ["Cluster:ServiceId"] = id,
            ["Cluster:GatewayPort"] = cluster.Primary!.GatewayAddress!.Endpoint.Port.ToString(CultureInfo.InvariantCulture),
        });
        using var http = gateway.CreateHttpClient(TestTokens.Alice);

        // Ask each new task where it runs until one lands on a silo other than the primary. Each is paced on
        // every silo (at least 16 s for its documents) until its silo is killed, so that it surely runs then:
        // unpaced, its 8,000 documents took about a second.
        var primary = cluster.Primary!.SiloAddress.ToString();
        (Guid TaskId, string Collection, string Silo) placed = default;
        for (var attempt = 0; attempt < 40 && placed.Silo is null; attempt++)
        {
            var body = TaskRequests.Body(8000, words: 100);
            foreach (var each in cluster.Silos)
            {
                Faults(cluster, each).PaceIndex(body["collection"]!.GetValue<string>(), TimeSpan.FromMilliseconds(2));
            }

            var taskId = await TaskRequests.CreateAsync(http, body);
            var silo = await cluster.Client.GetGrain<IIndexTaskGrain>(taskId).GetHostingSilo();
            if (silo != primary)
            {
                placed = (taskId, body["collection"]!.GetValue<string>(), silo);
            }
            else
            {
                await http.PostAsync($"/api/tasks/{taskId}/cancel", null);
            }
        }

        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{placed.TaskId}", TestTokens.Alice));
        while (await socket.ReceiveAsync() is { } message && !(MessageAssert.Type(message) == "progress" && message.GetProperty("current").GetInt32() > 300))
        {
        }

        var victim = cluster.Silos.Single(s => s.SiloAddress.ToString() == placed.Silo);
        var survivors = cluster.Silos.Where(s => s != victim).Select(s => Faults(cluster, s)).ToList();
        var killedAt = DateTimeOffset.UtcNow;
        await cluster.KillSiloAsync(victim);
        survivors.ForEach(faults => faults.LiftPaces());

        var afterKill = await socket.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(3));

        Assert.NotNull(placed.Silo);
        Assert.Contains(afterKill, m => MessageAssert.Type(m) == "progress");
        MessageAssert.IsComplete(afterKill[^1], placed.TaskId);
        var completedAt = afterKill[^1].GetProperty("timestamp").GetDateTimeOffset();
        Assert.True(completedAt > killedAt, $"the task completed at {completedAt:O}, before its silo was killed at {killedAt:O}: the kill tested nothing");
        Assert.Single(socket.Messages, m => MessageAssert.Type(m) is "complete" or "error" or "cancelled");
        MessageAssert.AreOrdered(socket.Messages);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var writes = new NpgsqlCommand("SELECT count(*), max(write_count) FROM documents WHERE collection = @c", connection);
        writes.Parameters.AddWithValue("c", placed.Collection!);
        await using var reader = await writes.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(8000L, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt32(1));
    }

    private static FaultPlan Faults(TestCluster cluster, SiloHandle silo) =>
        cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<FaultPlan>();

    private sealed class PostgresProviders : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddOrleansTasks(siloBuilder.Configuration);
            siloBuilder.Services.AddFaultInjection();
            siloBuilder.Configure<ClusterMembershipOptions>(FastFailureDetection.Apply);
        }
    }

    private sealed class TaskStreamsClient : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.AddMemoryStreams(TaskStreams.ProviderName);
    }
}
