using System.Net;
using System.Net.Sockets;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A TCP proxy on loopback in front of a gateway, for a browser: <see cref="Cut"/> drops every
/// connection through it, as a lost network does, and holds the connections opened after it,
/// unanswered, until <see cref="Restore"/> passes them on. The page's sockets and requests drop or
/// wait; the gateway and the test's own clients go on as before.
/// </summary>
public sealed class CuttableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<Socket> _passing = [];
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CuttableProxy(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        _server = new IPEndPoint(IPAddress.Parse(server.Host), server.Port);
        _open.SetResult();
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The gateway's address through the proxy.</summary>
    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Drops every connection through the proxy; new ones wait until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        lock (_lock)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            foreach (var socket in _passing)
            {
                socket.Dispose();
            }

            _passing.Clear();
        }
    }

    /// <summary>Passes on the connections held since the cut, and new ones.</summary>
    public void Restore()
    {
        lock (_lock)
        {
            _open.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_lock)
        {
            foreach (var socket in _passing)
            {
                socket.Dispose();
            }

            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
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

            lock (_lock)
            {
                _connections.Add(PassAsync(client));
            }
        }
    }

    private async Task PassAsync(Socket client)
    {
        using var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            Task open;
            lock (_lock)
            {
                open = _open.Task;
            }

            await open.WaitAsync(_stop.Token);
            await server.ConnectAsync(_server, _stop.Token);
            lock (_lock)
            {
                // Cut again while connecting: the connection is dropped as the others were.
                if (!_open.Task.IsCompleted)
                {
                    return;
                }

                _passing.Add(client);
                _passing.Add(server);
            }

            await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the proxy stopped, or the gateway refused
        }
        finally
        {
            lock (_lock)
            {
                _passing.Remove(client);
                _passing.Remove(server);
            }

            client.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // cut, or the other side closed
        }
    }
}
