using System.Net;
using System.Net.Sockets;
using Npgsql;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Storage.Faults;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// Npgsql's three timeouts, produced for real, are told apart in the log and in the caller's
/// message: a full pool, a server address that does not answer, a statement the server does not
/// answer. (Npgsql gives them one shape; only its messages differ, so these hold the reading of them.)
/// </summary>
public sealed class TimeoutKindsTests(PostgresServer postgres)
{
    private static async Task<NpgsqlException> FailureOfAsync(Func<Task> operation) =>
        await Assert.ThrowsAsync<NpgsqlException>(operation);

    [Fact]
    public async Task A_pool_whose_connections_stay_busy_is_a_pool_wait()
    {
        var database = await postgres.CreateDatabaseAsync();
        var pool = new NpgsqlConnectionStringBuilder(ConnectionBudget.ForSilo(database, ConnectionBudget.SiloMinimum).Index) { Timeout = 1 }.ConnectionString;
        await using var source = NpgsqlDataSource.Create(pool);
        await using var held = await source.OpenConnectionAsync(TestContext.Current.CancellationToken);

        var failure = await FailureOfAsync(() => source.OpenConnectionAsync(TestContext.Current.CancellationToken).AsTask());

        Assert.Equal(StoreTimeout.PoolWait, AvailabilityFailures.TimeoutOf(failure));
        Assert.Equal("No connection to the task store became free in time; try again shortly.", StorageFaults.Translate(failure)!.Message);
    }

    [Fact]
    public async Task A_statement_the_server_does_not_answer_in_time_is_an_answer_timeout()
    {
        var database = await postgres.CreateDatabaseAsync();
        var pool = new NpgsqlConnectionStringBuilder(ConnectionBudget.ForSilo(database, ConnectionBudget.SiloMinimum).Index) { CommandTimeout = 1 }.ConnectionString;
        await using var source = NpgsqlDataSource.Create(pool);
        await using var command = source.CreateCommand("SELECT pg_sleep(5)");

        var failure = await FailureOfAsync(() => command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));

        Assert.Equal(StoreTimeout.Answer, AvailabilityFailures.TimeoutOf(failure));
        Assert.Equal("The task store did not answer in time; try again shortly.", StorageFaults.Translate(failure)!.Message);
    }

    [Fact]
    public async Task An_address_that_takes_no_connection_is_a_connect_timeout()
    {
        // A listener that never accepts, its queue filled: Linux drops further connection requests unanswered (Windows would refuse them).
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var queued = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                queued.Add(socket);
                try
                {
                    socket.Connect(IPAddress.Loopback, port);
                }
                catch (SocketException exception) when (exception.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                    // the request waits in the queue, or is dropped once it is full
                }
            }

            var unreachable = new NpgsqlConnectionStringBuilder(ConnectionBudget.ForSilo(
                $"Host=127.0.0.1;Port={port};Username=nobody;Database=none", ConnectionBudget.SiloMinimum).Index) { Timeout = 1 }.ConnectionString;
            await using var source = NpgsqlDataSource.Create(unreachable);

            var failure = await FailureOfAsync(() => source.OpenConnectionAsync(TestContext.Current.CancellationToken).AsTask());

            Assert.Equal(StoreTimeout.Connect, AvailabilityFailures.TimeoutOf(failure));
            Assert.Equal("The task store could not be reached; try again shortly.", StorageFaults.Translate(failure)!.Message);
        }
        finally
        {
            queued.ForEach(socket => socket.Dispose());
        }
    }
}
