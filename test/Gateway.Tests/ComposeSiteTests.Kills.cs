using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>A silo and a gateway killed, and a gateway stopped, under watched tasks: nothing lost, the socket back through nginx.</summary>
public sealed partial class ComposeSiteTests
{
    private static async Task<Guid> A_silo_killed_under_a_task_loses_nothing(ComposeSite site, HttpClient http, int port)
    {
        var (taskId, collection) = await CreateUploadTaskAsync(http);
        await using var socket = await ConnectAsync(port, http, taskId);
        var (reached, reading) = ReadThrough(site, port, http, socket, taskId, minimum: 10);
        var victim = await SiloRunningAsync(site, taskId);
        await reached;

        var beforeKill = await TaskRequests.GetAsync(http, taskId);
        var killedAt = DateTimeOffset.UtcNow;
        await site.KillAsync(victim);
        await using var end = await reading;

        Assert.True(beforeKill.GetProperty("status").GetString() == "processing", $"the task had ended before its silo was killed: {beforeKill}");
        AssertCompletedOnce(taskId, end, UploadLines);
        await AssertResumedSinceAsync(site, taskId, killedAt, "its silo was killed");
        await AssertEveryDocumentWrittenOnceAsync(site, collection, UploadLines);
        return taskId;
    }

    private static async Task<Guid> A_killed_gateway_s_socket_reconnects_through_nginx(ComposeSite site, HttpClient http, int port)
    {
        var (taskId, collection) = await CreateTaskAsync(http);
        var before = await ConnectAsync(port, http, taskId);
        var last = await WaitForProgressAsync(before, taskId, minimum: 1);

        var dropping = ReadToTheDropAsync();
        var gateway = await GatewayHoldingTheSocketAsync(site);
        Assert.False(dropping.IsCompleted, $"the socket closed ({(int?)before.CloseStatus} {before.CloseReason}) before its gateway was killed");
        await site.KillAsync(gateway);
        await Deadline.WaitAsync(dropping, TimeSpan.FromMinutes(1), "the socket on the killed gateway to drop");
        await before.DisposeAsync();
        Assert.True(MessageAssert.Type(last) == "progress", $"the killed gateway's socket ended with {MessageAssert.Type(last)}, not mid-task: make the task longer");
        await using var after = await Deadline.RunAsync(cancelled => ConnectEventuallyAsync(port, http, taskId, cancelled), TimeSpan.FromMinutes(1), "a socket through nginx to the other gateway");
        var connected = await after.ReceiveAsync() ?? throw new InvalidOperationException("closed before connected");
        var rest = await after.ReceiveUntilClosedAsync(TaskTimeout);

        MessageAssert.IsConnected(connected, taskId);
        Assert.True(MessageAssert.Seq(connected) >= MessageAssert.Seq(last), $"connected seq {MessageAssert.Seq(connected)} after seq {MessageAssert.Seq(last)}");
        Assert.True(connected.GetProperty("current").GetInt32() >= last.GetProperty("current").GetInt32(), "the snapshot went back in progress");
        AssertCompletedOnce(taskId, after, rest);
        await AssertEveryDocumentWrittenOnceAsync(site, collection);
        return taskId;

        async Task ReadToTheDropAsync()
        {
            while (await ReceiveOrDroppedAsync(before) is { } message)
            {
                last = message;
            }
        }
    }

    /// <summary>
    /// <c>docker stop</c> of the gateway a socket is on (SIGTERM: the gateway drains): the socket is
    /// closed with 1001, going away (docs/protocol.md), before the task's end; the client reconnects
    /// through nginx to another gateway, whose <c>connected</c> snapshot is not behind what the first
    /// socket showed, and gets the terminal message; the gateway exits 0 within its grace period.
    /// </summary>
    private static async Task A_stopped_gateway_s_socket_closes_with_1001_and_reconnects_through_nginx(ComposeSite site, HttpClient http, int port)
    {
        var (taskId, collection) = await CreateTaskAsync(http);
        await using var before = await ConnectAsync(port, http, taskId);
        var last = await WaitForProgressAsync(before, taskId, minimum: 1);

        var reading = before.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(2));
        var gateway = await GatewayHoldingTheSocketAsync(site);
        var stopping = site.StopAsync(gateway);
        var drained = await reading;
        last = drained.LastOrDefault(message => MessageAssert.Type(message) == "progress", last);
        await using var follower = new TaskFollower(taskId, () => ConnectAsync(port, http, taskId));
        var terminal = await follower.UntilAsync(IsTerminal, TaskTimeout, "the task's terminal message after its gateway was stopped");
        await stopping;
        var exit = await site.InspectAsync(gateway, "{{.State.ExitCode}} {{.State.Status}}");

        Assert.False(before.Messages.Any(IsTerminal), "the task ended before its gateway was stopped: make it longer");
        Assert.True(before.CloseStatus == System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable,
            $"the stopped gateway closed the socket with {(int?)before.CloseStatus} {before.CloseReason}, not 1001 (going away)");
        var connected = follower.Sockets.First(messages => messages.Count > 0)[0];
        MessageAssert.IsConnected(connected, taskId);
        Assert.True(MessageAssert.Seq(connected) >= MessageAssert.Seq(last), $"connected seq {MessageAssert.Seq(connected)} after seq {MessageAssert.Seq(last)}");
        Assert.True(connected.GetProperty("current").GetInt32() >= last.GetProperty("current").GetInt32(), "the snapshot went back in progress");
        MessageAssert.IsComplete(terminal, taskId);
        Assert.Equal(Documents, terminal.GetProperty("result").GetProperty("success").GetInt32());
        Assert.Single(follower.Messages, IsTerminal);
        Assert.All(follower.Sockets.Where(messages => messages.Count > 0), MessageAssert.AreOrdered);
        Assert.True(exit == "0 exited", $"the stopped gateway: exit code, status = {exit} (137 is SIGKILL at the end of its grace period)");
        await AssertEveryDocumentWrittenOnceAsync(site, collection);
    }

    /// <summary>
    /// The silo container that logged the task's acceptance, read from the last minute of each silo's log: the task must
    /// still run when it is found, and whole logs grow long over the test (a full run once saw a task end first).
    /// </summary>
    private static async Task<string> SiloRunningAsync(ComposeSite site, Guid taskId)
    {
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        string? found = null;
        await Eventually.TrueAsync($"a silo to log that it accepted task {taskId}", async () =>
        {
            foreach (var container in await site.ContainersAsync("silo"))
            {
                if ((await site.LogsAsync(container, since)).Contains($"Task {taskId} accepted", StringComparison.Ordinal))
                {
                    found = container;
                }
            }

            return found is not null;
        }, TimeSpan.FromMinutes(1));
        return found!;
    }

    /// <summary>The gateway container whose metrics count the one open socket.</summary>
    private static async Task<string> GatewayHoldingTheSocketAsync(ComposeSite site)
    {
        using var metrics = new HttpClient();
        string? found = null;
        await Eventually.TrueAsync("one gateway to count the open socket in its metrics", async () =>
        {
            var holding = new List<string>();
            foreach (var container in await site.RunningContainersAsync("gateway"))
            {
                if (await site.OpenSocketsAsync(metrics, container) == 1)
                {
                    holding.Add(container);
                }
            }

            found = holding.Count == 1 ? holding[0] : null;
            return found is not null;
        }, TimeSpan.FromMinutes(1));
        return found!;
    }
}
