using System.Globalization;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// The cluster of a clock round: three silo processes over PostgreSQL, the first with its wall clock
/// <see cref="Skew"/> ahead (<see cref="FakeClock"/>), a client gateway, an Orleans client, and the
/// write audit that names the silo behind every write. <see cref="MeasuredSkew"/> is the skew as the
/// membership table shows it (the fast silo's start time after the others').
/// </summary>
public sealed class ClockSkewCluster : IAsyncDisposable
{
    public static readonly TimeSpan LeasePeriod = TimeSpan.FromSeconds(5);

    private ClockSkewCluster(RunningCluster cluster, ClusterClientHost clientHost, WriteAudit audit, TimeSpan skew)
    {
        Cluster = cluster;
        ClientHost = clientHost;
        Audit = audit;
        Skew = skew;
    }

    public RunningCluster Cluster { get; }

    public ClusterClientHost ClientHost { get; }

    public IClusterClient Client => ClientHost.Client;

    public WriteAudit Audit { get; }

    public TimeSpan Skew { get; }

    public TimeSpan MeasuredSkew { get; private set; }

    public SiloAddress FastSilo { get; private set; } = null!;

    public SiloAddress NormalSilo { get; private set; } = null!;

    public static async Task<ClockSkewCluster> StartAsync(string database, TimeSpan skew)
    {
        var audit = await WriteAudit.InstallAsync(database);
        var cluster = RunningCluster.Create(database);
        try
        {
            // One silo at a time, as an operator's rolling start brings them up: three silos compiling their code at
            // once on two cores shared with other tests missed probes, and a silo was declared dead while the cluster
            // formed (a vote cast on the fast clock stays fresh two minutes longer for the others, so two spurious
            // suspicions add up).
            var fast = StartSilo(cluster, database, 0, FakeClock.Ahead(skew));
            await WaitForActiveAsync(cluster, 1);
            for (var i = 1; i < 3; i++)
            {
                StartSilo(cluster, database, i, []);
                await WaitForActiveAsync(cluster, i + 1);
            }

            cluster.StartGateway();
            await cluster.WaitForActiveSilosAsync(3, TimeSpan.FromMinutes(4));
            var started = new ClockSkewCluster(cluster, await cluster.ConnectClientAsync(), audit, skew);
            var hosts = (await started.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys.ToList();
            started.FastSilo = hosts.Single(host => cluster.SiloAt(host.ToString()) == fast);
            started.NormalSilo = hosts.First(host => !host.Equals(started.FastSilo));
            started.MeasuredSkew = await MembershipSkewAsync(database, started.FastSilo);
            foreach (var silo in hosts)
            {
                await GrainPlacement.WaitUntilPlaceableAsync(started.Client, silo, TimeSpan.FromMinutes(1));
            }

            return started;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static Task WaitForActiveAsync(RunningCluster cluster, int silos) => Eventually.TrueAsync(
        $"{silos} of 3 silos to be active in the membership table", async () => await cluster.ActiveSilosAsync() >= silos, TimeSpan.FromMinutes(2));

    /// <summary>A broken promise when the fast silo's clock is not seen ahead by (nearly) the skew; none otherwise.</summary>
    public IEnumerable<string> SkewViolations()
    {
        if (MeasuredSkew < Skew - TimeSpan.FromSeconds(10))
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"the fast silo's clock is not ahead: its start time is {MeasuredSkew.TotalSeconds:F0} s after the others'");
        }
    }

    public HttpClient Http()
    {
        var http = new HttpClient { BaseAddress = Cluster.GatewayAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await ClientHost.DisposeAsync();
        await Cluster.DisposeAsync();
    }

    private static ProcessHost StartSilo(RunningCluster cluster, string database, int index, Dictionary<string, string?> clock)
    {
        var settings = new Dictionary<string, string?>(clock)
        {
            ["ConnectionStrings:OrleansTasks"] = WriteAudit.ConnectionFor(database, string.Create(CultureInfo.InvariantCulture, $"clock-silo-{index}")),
            ["Tasks:LeasePeriod"] = LeasePeriod.ToString(),

            // Room for the schedules' runs beside the watched tasks: a run held back by admission would make the next occurrence overlap it.
            ["Tasks:MaxRunningPerSilo"] = "8",
        };
        return cluster.StartSilo(settings);
    }

    /// <summary>How far the fast silo's start time, as it wrote it in the membership table, is ahead of the latest other silo's.</summary>
    private static async Task<TimeSpan> MembershipSkewAsync(string database, SiloAddress fast)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT max(start_time) FILTER (WHERE port = @port), max(start_time) FILTER (WHERE port <> @port) FROM orleans_membership WHERE status = 3", connection);
        command.Parameters.AddWithValue("port", fast.Endpoint.Port);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetDateTime(0) - reader.GetDateTime(1);
    }
}
