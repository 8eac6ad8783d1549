using System.Net;
using System.Net.Sockets;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Partitions;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Network partitions under watched tasks on three silo processes, each in a network namespace of
/// its own, behind a client gateway: the silo running the most tasks is cut from the other silos,
/// or from PostgreSQL, or the gateway is cut from it, for 30 s (failure detection declared a silo
/// dead 16.5–16.9 s into the cut here; see <c>FastFailureDetection</c>), then the network heals. See
/// <see cref="NetworkPartition"/> for what must hold. The longer rounds:
/// <c>dotnet run -c Release --project test/Benchmarks -- faults [rounds]</c>.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class NetworkPartitionTests(PostgresServer postgres)
{
    private static readonly TimeSpan Cut = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The script a round cuts with is one nftables takes, its rules drop only what the cut names and
    /// count it, and the counts are read back as a round reads them before the heal.
    /// </summary>
    [Fact]
    public async Task A_cut_drops_only_the_traffic_it_names_and_counts_it()
    {
        SystemDependencies.NetworkNamespaces();
        await using var network = await PartitionNetwork.CreateAsync(1);
        var member = network.Members[0];
        var (cutPort, openPort) = (PostgresSilo.FreePort(), PostgresSilo.FreePort());

        await member.CutAsync([new Cut(network.HostAddress, OwnPort: cutPort)]);

        // Nothing listens in the namespace: a port the cut leaves alone refuses at once, the cut one never answers.
        Assert.Equal(SocketError.ConnectionRefused, await ConnectAsync(member.Address, openPort));
        Assert.Equal(SocketError.TimedOut, await ConnectAsync(member.Address, cutPort));
        var dropped = await member.DroppedAsync();
        Assert.True(dropped.Incoming >= 1, $"the cut counted no connection attempt to its port: {dropped}");

        await member.HealAsync();
        Assert.Equal(SocketError.ConnectionRefused, await ConnectAsync(member.Address, cutPort));
    }

    /// <summary>The cut silo must also be declared dead and stop, and change no grain another silo took over: violations of the round.</summary>
    [Fact]
    public async Task A_silo_cut_from_the_other_silos_but_not_from_the_database_leaves_every_task_ending_once()
    {
        await RunAsync(PartitionKind.SiloFromSilos);
    }

    [Fact]
    public async Task A_silo_cut_from_the_database_but_not_from_the_other_silos_leaves_every_task_ending_once()
    {
        await RunAsync(PartitionKind.SiloFromDatabase);
    }

    [Fact]
    public async Task The_gateway_cut_from_a_silo_leaves_every_task_ending_once_and_every_watcher_hearing_it()
    {
        await RunAsync(PartitionKind.GatewayFromSilo);
    }

    /// <summary>How a connection attempt from this process ends: refused, or no answer within 2 s (<see cref="SocketError.TimedOut"/>).</summary>
    private static async Task<SocketError> ConnectAsync(IPAddress address, int port)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), patience.Token);
            return SocketError.Success;
        }
        catch (SocketException exception)
        {
            return exception.SocketErrorCode;
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            return SocketError.TimedOut;
        }
    }

    private async Task<PartitionOutcome> RunAsync(PartitionKind kind)
    {
        SystemDependencies.NetworkNamespaces();
        var database = await postgres.CreateDatabaseAsync();

        var outcome = await NetworkPartition.RunAsync(database, kind, silos: 3, tasks: 9, documents: 10_000, Cut, TimeSpan.FromMinutes(3));

        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', outcome.Tasks.Violations));
        Assert.Empty(outcome.Tasks.Violations);
        Assert.Equal(9, outcome.Tasks.Completed);
        return outcome;
    }
}
