using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Npgsql;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// PostgreSQL behind a TCP proxy on loopback that holds every chunk of bytes, each way, for half
/// the wanted latency before passing it on (in order), so that every round trip takes that much
/// longer; the latency can change while connections stay open. A proxy rather than
/// <c>tc netem</c>: the kernels of these machines have no <c>sch_netem</c>.
/// </summary>
public sealed class LatencyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private long _oneWayTicks;

    private LatencyProxy(IPEndPoint server, IPAddress listenOn)
    {
        _server = server;
        _listener = new TcpListener(listenOn, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// A proxy to the server of <paramref name="connectionString"/>, adding no latency until told to,
    /// listening on loopback or on <paramref name="listenOn"/> (an address other network namespaces reach).
    /// </summary>
    public static LatencyProxy Start(string connectionString, IPAddress? listenOn = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return new LatencyProxy(new IPEndPoint(IPAddress.Parse(builder.Host!), builder.Port), listenOn ?? IPAddress.Loopback);
    }

    /// <summary><paramref name="connectionString"/> taking the proxy to its server.</summary>
    public string Through(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = ((IPEndPoint)_listener.LocalEndpoint).Address.ToString(), Port = Port }.ConnectionString;

    /// <summary>Adds <paramref name="latency"/> to every round trip from now on; zero takes it away.</summary>
    public void SetLatency(TimeSpan latency) => Interlocked.Exchange(ref _oneWayTicks, latency.Ticks / 2);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_pumps);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(_server, _stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            _pumps.Add(PumpAsync(client, server));
            _pumps.Add(PumpAsync(server, client));
        }
    }

    /// <summary>Reads from <paramref name="from"/> and writes each chunk to <paramref name="to"/> once it has been held for the latency.</summary>
    private async Task PumpAsync(Socket from, Socket to)
    {
        var chunks = Channel.CreateUnbounded<(long DueAt, byte[] Bytes)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writing = WriteAsync(chunks.Reader, to);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                chunks.Writer.TryWrite((Stopwatch.GetTimestamp() + Stopwatch.Frequency * Interlocked.Read(ref _oneWayTicks) / TimeSpan.TicksPerSecond, buffer[..read]));
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the connection or the proxy ended
        }

        chunks.Writer.TryComplete();
        await writing;
        from.Dispose();
    }

    private async Task WriteAsync(ChannelReader<(long DueAt, byte[] Bytes)> chunks, Socket to)
    {
        try
        {
            await foreach (var (dueAt, bytes) in chunks.ReadAllAsync(_stop.Token))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), dueAt);
                if (wait > TimeSpan.Zero)
                {
                    // The latency being added: each chunk is held until its time.
                    await Task.Delay(wait, _stop.Token);
                }

                await to.SendAsync(bytes, SocketFlags.None, _stop.Token);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the connection or the proxy ended
        }
    }
}
