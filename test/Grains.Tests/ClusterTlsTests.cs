using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Hosting;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>Mutual TLS on the cluster network: only processes holding a certificate of the cluster's CA take part.</summary>
public sealed class ClusterTlsTests(PostgresServer postgres)
{
    private static Dictionary<string, string?> Merge(params IDictionary<string, string?>[] parts)
    {
        var merged = new Dictionary<string, string?>();
        foreach (var part in parts)
        {
            foreach (var (key, value) in part)
            {
                merged[key] = value;
            }
        }

        return merged;
    }

    /// <summary>Starts an Orleans client as an internal service would; the exception when the cluster refuses it.</summary>
    private static async Task<(IHost? Host, Exception? Refusal)> ConnectAsync(IDictionary<string, string?> settings, TimeSpan deadline)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleansClient(client => client.AddOrleansTasksClient(builder.Configuration));
        var host = builder.Build();
        try
        {
            await Deadline.RunAsync(host.StartAsync, deadline, "the client to join the cluster");
            await host.Services.GetRequiredService<IClusterClient>().GetGrain<ITaskHistoryGrain>(0).List(new HistoryQuery("alice", Limit: 1));
            return (host, null);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            host.Dispose();
            return (null, exception);
        }
    }

    [Fact]
    public async Task Silos_with_the_clusters_certificates_form_a_cluster_and_only_clients_holding_one_may_call_grains()
    {
        using var pki = new TestCertificates("OrleansTasks test cluster CA");
        using var foreign = new TestCertificates("Someone else's CA");
        var database = await postgres.CreateDatabaseAsync();
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..10];
        await using var first = await PostgresSilo.StartAsync(database, clusterId, pki.Settings("silo-1"));
        await using var second = await PostgresSilo.StartAsync(database, clusterId, pki.Settings("silo-2"));
        var management = first.Client.GetGrain<IManagementGrain>(0);
        await Eventually.TrueAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2, TimeSpan.FromMinutes(1));
        var cluster = PostgresSilo.ClusterSettings(database, clusterId);

        var (trusted, trustedRefusal) = await ConnectAsync(Merge(cluster, pki.Settings("reports-service")), TimeSpan.FromSeconds(60));

        // A refused client keeps retrying its gateways: give it as long as the trusted one needed, and then some.
        var refusals = await Task.WhenAll(
            ConnectAsync(cluster, TimeSpan.FromSeconds(20)),
            ConnectAsync(Merge(cluster, foreign.Settings("intruder")), TimeSpan.FromSeconds(20)));
        var (plainRefusal, foreignRefusal) = (refusals[0].Refusal, refusals[1].Refusal);
        using var _ = trusted;

        Assert.Null(trustedRefusal);
        Assert.NotNull(trusted);
        Assert.NotNull(plainRefusal);
        Assert.NotNull(foreignRefusal);
    }

    [Fact]
    public void Half_configured_tls_stops_the_start_with_one_clear_line()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:Tls:CertificatePath"] = "/etc/orleans-tasks/silo.pfx" })
            .Build();

        var error = Assert.Throws<StartupException>(() => ClusterTls.From(configuration));

        Assert.Contains("Cluster:Tls:CaPath", error.Message, StringComparison.Ordinal);
    }
}
