using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The documented slow-consumer timeout, with the gateway's default settings (keep-alive pings
/// every 15 s, 10 s to answer): a real WebSocket client that stops reading while a batch streams
/// progress gets the 1013 close 10 s (± 2 s) after it stopped, measured where the bytes arrive. The
/// task's index writes are paced, so that it streams for longer than the test whatever the machine.
/// </summary>
public sealed class StalledReaderTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan StreamingBeforeTheStop = TimeSpan.FromSeconds(1);

    private readonly GatewayFactory _gateway = new(services: services => services.AddFaultInjection());

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_client_that_stops_reading_under_progress_is_closed_with_1013_between_8_and_12_s_later()
    {
        using var http = _gateway.CreateHttpClient(TestTokens.Alice);
        var task = BatchRequests.Task("t", 10_000, words: 40);
        _gateway.Services.GetRequiredService<FaultPlan>().PaceIndex(task["collection"]!.GetValue<string>(), TimeSpan.FromMilliseconds(50));
        var (batchId, _) = await BatchRequests.CreateAsync(http, BatchRequests.Body([task]));
        TappedConnection? connection = null;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) => connection = await TappedConnection.ConnectAsync(context.DnsEndPoint, cancellationToken),
        };
        using var socket = new ClientWebSocket();
        await Deadline.RunAsync(
            token => socket.ConnectAsync(_gateway.SocketUri($"/ws/batch/{batchId}", TestTokens.Alice), new HttpMessageInvoker(handler), token),
            TimeSpan.FromSeconds(30), "the batch socket's handshake");

        // Read until the task has streamed progress for a while, then make no more receive calls.
        Assert.Equal("connected", await ReceiveTypeAsync(socket));
        var streamingSince = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(streamingSince) < StreamingBeforeTheStop)
        {
            Assert.Equal("progress", await ReceiveTypeAsync(socket));
        }

        var stoppedAt = Stopwatch.GetTimestamp();
        var closeArrivedAt = await Deadline.WaitAsync(connection!.Frames.CloseArrived, TimeSpan.FromSeconds(30), "the close frame to reach the stalled reader's connection");
        var closedAfter = Stopwatch.GetElapsedTime(stoppedAt, closeArrivedAt);
        var lastProgressAfter = Stopwatch.GetElapsedTime(stoppedAt, connection.Frames.LastTextAt);
        output.WriteLine($"1013 close arrived {closedAfter.TotalSeconds:0.000} s after the stop; the last message before it {lastProgressAfter.TotalSeconds:0.000} s after");

        // Reading again finds what the client left unread, then the close.
        string? type;
        while ((type = await ReceiveTypeAsync(socket)) is not null)
        {
            Assert.Equal("progress", type);
        }

        await http.PostAsync($"/api/batches/{batchId}/cancel", null);
        Assert.Equal((WebSocketCloseStatus)1013, socket.CloseStatus);
        Assert.Equal("Slow consumer", socket.CloseStatusDescription);
        Assert.True(lastProgressAfter > TimeSpan.FromSeconds(8), $"the batch stopped streaming {lastProgressAfter} after the stop: the gateway had nothing more for the client");
        Assert.InRange(closedAfter, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12));
    }

    /// <summary>The next message's type, or null once the server has closed.</summary>
    private static Task<string?> ReceiveTypeAsync(ClientWebSocket socket) =>
        Deadline.RunAsync(token => NextTypeAsync(socket, token), TimeSpan.FromSeconds(30), "the next message or the close on the batch socket");

    private static async Task<string?> NextTypeAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                using var message = JsonDocument.Parse(buffer.AsMemory(0, length));
                return message.RootElement.GetProperty("type").GetString();
            }
        }
    }
}
