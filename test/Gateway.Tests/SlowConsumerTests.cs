using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A client whose WebSocket stack stops reading answers no ping: the gateway closes it with 1013
/// once a ping has gone unanswered for the slow-consumer timeout, and nobody else notices.
/// </summary>
public sealed class SlowConsumerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly CapturingLoggerProvider _logs = new();
    private readonly GatewayFactory _gateway;

    public SlowConsumerTests()
    {
        _gateway = new GatewayFactory(
            new Dictionary<string, string?>
            {
                ["Gateway:KeepAliveInterval"] = "00:00:01",
                ["Gateway:SlowConsumerTimeout"] = Timeout.ToString("c", CultureInfo.InvariantCulture),
            },
            services: services => services.AddSingleton<ILoggerProvider>(_logs));
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_socket_that_stops_reading_is_closed_with_1013_and_a_reading_one_stays_open()
    {
        using var http = _gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(1);
        body["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        var taskId = await TaskRequests.CreateAsync(http, body);
        var uri = _gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice);
        var metrics = _gateway.Services.GetRequiredService<GatewayMetrics>();

        await using var reading = await SocketClient.ConnectAsync(uri);
        await using var stalled = await SocketClient.ConnectAsync(uri);
        Assert.Equal("connected", (await reading.ReceiveAsync())?.GetProperty("type").GetString());
        Assert.Equal("connected", (await stalled.ReceiveAsync())?.GetProperty("type").GetString());

        // From here the stalled client makes no receive call, so its WebSocket answers no ping; the
        // reading one keeps a receive pending, as every live client does.
        var stoppedAt = Stopwatch.GetTimestamp();
        var pending = reading.ReceiveAsync(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => _logs.Entries.Any(entry => entry.Contains("is a slow consumer", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        Assert.True(Stopwatch.GetElapsedTime(stoppedAt) >= Timeout, "judged slow before a ping could go unanswered for the timeout");
        var judged = Assert.Single(_logs.Entries, entry => entry.Contains("is a slow consumer", StringComparison.Ordinal));
        var unanswered = System.Text.RegularExpressions.Regex.Match(judged, @"its ping went unanswered for (\d\d:\d\d:\d\d(\.\d+)?)");
        Assert.True(unanswered.Success, judged);
        Assert.InRange(TimeSpan.Parse(unanswered.Groups[1].Value, CultureInfo.InvariantCulture), Timeout, Timeout + TimeSpan.FromSeconds(5));
        Assert.Contains("work items waiting for the gateway's threads", judged, StringComparison.Ordinal);

        // The close frame waits behind the pings it did not answer; reading again finds it while the
        // gateway still waits for the closing handshake.
        Assert.Null(await stalled.ReceiveAsync());
        Assert.Equal((WebSocketCloseStatus)1013, stalled.CloseStatus);
        Assert.Equal("Slow consumer", stalled.CloseReason);
        await Eventually.TrueAsync(() => metrics.Connections == 1, TimeSpan.FromSeconds(30));

        Assert.False(pending.IsCompleted, "the reading socket received something or was closed");
        await reading.SendTextAsync("ping");
        Assert.Equal("pong", (await pending)?.GetProperty("type").GetString());
        Assert.Equal(WebSocketState.Open, reading.Socket.State);
    }
}
