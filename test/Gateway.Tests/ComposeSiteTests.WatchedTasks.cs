using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The site's tasks and their sockets through nginx, and what a watched task must end with.</summary>
public sealed partial class ComposeSiteTests
{
    private static readonly TimeSpan FaultTaskDelay = TimeSpan.FromSeconds(8);

    /// <summary>A task of <see cref="Documents"/> inline documents, starting <see cref="FaultTaskDelay"/> from now (see <see cref="CreateUploadTaskAsync"/>).</summary>
    private static async Task<(Guid TaskId, string Collection)> CreateTaskAsync(HttpClient http)
    {
        var body = TaskRequests.Body(Documents, words: Words);
        body["run_at"] = DateTimeOffset.UtcNow.Add(FaultTaskDelay).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return (await TaskRequests.CreateAsync(http, body), body["collection"]!.GetValue<string>());
    }

    /// <summary>
    /// A task over an upload of <see cref="UploadLines"/> lines, starting <see cref="FaultTaskDelay"/> from now: the step
    /// finds its silo in the logs and opens its socket before it runs, so the fault lands early in the run. Started at once,
    /// it once ran to 99 % while the step looked for its silo, and ended 23 ms before the stop; an inline task once ended
    /// before its socket, opened through nginx, saw any progress.
    /// </summary>
    private static async Task<(Guid TaskId, string Collection)> CreateUploadTaskAsync(HttpClient http)
    {
        var upload = await UploadRequests.UploadAsync(http, JsonLinesCorpus.Bytes(UploadLines, words: 4));
        var collection = "u" + Guid.NewGuid().ToString("N")[..12];
        var taskId = await TaskRequests.CreateAsync(http, new JsonObject
        {
            ["collection"] = collection,
            ["source"] = new JsonObject { ["upload"] = upload.ToString() },
            ["run_at"] = DateTimeOffset.UtcNow.Add(FaultTaskDelay).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        });
        return (taskId, collection);
    }

    /// <summary>
    /// Fails unless a silo (other than <paramref name="besides"/>) logged, since <paramref name="since"/>, that it resumed
    /// the task: only a task still running when its silo went is resumed by another, so without it the step tested nothing.
    /// </summary>
    private static async Task AssertResumedSinceAsync(ComposeSite site, Guid taskId, DateTimeOffset since, string fault, string? besides = null)
    {
        var silos = await site.ContainersAsync("silo");
        foreach (var container in silos.Where(container => container != besides))
        {
            if ((await site.LogsAsync(container, since)).Contains($"Task {taskId} resumed at ", StringComparison.Ordinal))
            {
                return;
            }
        }

        var said = new List<string>();
        foreach (var container in silos)
        {
            said.AddRange((await site.LogsAsync(container, since.AddMinutes(-1))).Split('\n')
                .Where(line => line.Contains(taskId.ToString(), StringComparison.Ordinal))
                .Select(line => $"{container}: {line.Trim()}"));
        }

        Assert.Fail($"no silo resumed task {taskId} after {fault} at {since:O}: the task had ended before it, and the step tested nothing. " +
            $"The silos' lines naming it from a minute before:\n{string.Join('\n', said)}");
    }

    /// <summary>Fails unless the task's terminal message in <paramref name="tail"/> was made after <paramref name="since"/>: one made before means the step found the task already ended.</summary>
    private static void AssertEndedAfter(List<JsonElement> tail, DateTimeOffset since, string fault)
    {
        var endedAt = tail[^1].GetProperty("timestamp").GetDateTimeOffset();
        Assert.True(endedAt > since, $"the task ended at {endedAt:O}, before {fault} at {since:O}: the step tested nothing");
    }

    private static Uri SocketUri(int port, HttpClient http, Guid taskId) =>
        new($"ws://127.0.0.1:{port}/ws/task/{taskId}?token={http.DefaultRequestHeaders.Authorization!.Parameter}");

    private static Task<SocketClient> ConnectAsync(int port, HttpClient http, Guid taskId) => SocketClient.ConnectAsync(SocketUri(port, http, taskId));

    /// <summary>
    /// Connects through nginx, again and again while the gateways refuse; <paramref name="cancellationToken"/> (a deadline's)
    /// ends the retries, and an attempt under way takes at most its handshake's own 30 s more.
    /// </summary>
    private static async Task<SocketClient> ConnectEventuallyAsync(int port, HttpClient http, Guid taskId, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await ConnectAsync(port, http, taskId);
            }
            catch (WebSocketException)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    /// <summary>The next message; null once the socket has closed or dropped.</summary>
    private static async Task<JsonElement?> ReceiveOrDroppedAsync(SocketClient socket)
    {
        try
        {
            return await socket.ReceiveAsync(TimeSpan.FromMinutes(1));
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the socket to its close from now on, as a client does, while the step looks for containers and brings
    /// its fault: <c>Reached</c> is the first progress at <paramref name="minimum"/> percent, <c>After</c> what came
    /// after it. Every watched socket of these steps has a reader from before their look-ups: a socket left unread for
    /// 10 s while messages come is closed as a slow consumer (docs/protocol.md 3.6), and a look through the silos'
    /// logs by compose took that long in CI. The look-up comes out of <see cref="TaskTimeout"/>, hence the minute more.
    /// After a slow-consumer close before the task's end the watcher connects again, as the protocol tells clients to:
    /// in CI, with the machine's two cores full after a silo was killed, a socket read all along was once closed so.
    /// Once only: a second such close fails the step. The close is written to the test's output with the client's own
    /// timing (since its last message, its longest wait for one), and once connected again the gateways' lines, to tell
    /// a client that stalled from a gateway that misjudged it.
    /// </summary>
    private static (Task<JsonElement> Reached, Task<WatchedEnd> After) ReadThrough(
        ComposeSite site, int port, HttpClient http, SocketClient socket, Guid taskId, int minimum)
    {
        var reached = WaitForProgressAsync(socket, taskId, minimum);
        return (reached, AfterAsync());

        async Task<WatchedEnd> AfterAsync()
        {
            await reached;
            var end = new WatchedEnd([socket], []);
            var deadline = DateTime.UtcNow + TaskTimeout + TimeSpan.FromMinutes(1);
            while (true)
            {
                var current = end.Sockets[^1];
                var (lastMessage, longestWait) = await ReadToTheCloseAsync(current, end.Tail, deadline);
                var ended = end.Tail.Count > 0 && MessageAssert.Type(end.Tail[^1]) is "complete" or "error" or "cancelled";
                if (current.CloseStatus != SlowConsumerClose || ended || end.Sockets.Count > 1)
                {
                    return end;
                }

                var closedAt = DateTimeOffset.UtcNow;
                Console.WriteLine($"ComposeSiteTests: the socket on task {taskId} was closed as a slow consumer at {closedAt:O} after {current.Messages.Count} messages, " +
                    $"{(closedAt - lastMessage).TotalSeconds:F1} s after the last; the client's longest wait for a message was {longestWait.TotalSeconds:F1} s. Connecting again.");
                end.Sockets.Add(await Deadline.RunAsync(
                    cancelled => ConnectEventuallyAsync(port, http, taskId, cancelled), TimeSpan.FromMinutes(1), "a socket through nginx after a slow-consumer close"));
                Console.WriteLine($"ComposeSiteTests: connected again; the gateways said:\n{await SlowConsumerLinesAsync(site, closedAt)}");
            }
        }
    }

    /// <summary>Reads <paramref name="socket"/> to its close into <paramref name="tail"/>; when the last message came, and the longest wait for one.</summary>
    private static async Task<(DateTimeOffset LastMessage, TimeSpan LongestWait)> ReadToTheCloseAsync(SocketClient socket, List<JsonElement> tail, DateTime deadline)
    {
        var last = DateTimeOffset.UtcNow;
        var longest = TimeSpan.Zero;
        while (await socket.ReceiveAsync(deadline - DateTime.UtcNow) is { } message)
        {
            var now = DateTimeOffset.UtcNow;
            longest = longest > now - last ? longest : now - last;
            last = now;
            tail.Add(message);
        }

        return (last, longest);
    }

    private const System.Net.WebSockets.WebSocketCloseStatus SlowConsumerClose = (System.Net.WebSockets.WebSocketCloseStatus)1013;

    /// <summary>The gateways' slow-consumer lines of the minute before <paramref name="closedAt"/> and after, with docker's timestamps.</summary>
    private static async Task<string> SlowConsumerLinesAsync(ComposeSite site, DateTimeOffset closedAt)
    {
        var lines = new List<string>();
        foreach (var container in await site.ContainersAsync("gateway"))
        {
            lines.AddRange((await site.LogsAsync(container, closedAt.AddMinutes(-1), timestamps: true)).Split('\n')
                .Where(line => line.Contains("slow consumer", StringComparison.Ordinal))
                .Select(line => $"{container[..12]}: {line.Trim()}"));
        }

        return string.Join('\n', lines);
    }

    /// <summary>What a watcher read after the fault: the sockets it opened in turn (the first is the step's), and their messages.</summary>
    private sealed record WatchedEnd(List<SocketClient> Sockets, List<JsonElement> Tail) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var socket in Sockets.Skip(1))
            {
                await socket.DisposeAsync();
            }
        }
    }

    /// <summary>Reads progress until it reaches <paramref name="minimum"/> percent; returns that message.</summary>
    private static async Task<JsonElement> WaitForProgressAsync(SocketClient socket, Guid taskId, int minimum)
    {
        while (true)
        {
            var message = await socket.ReceiveAsync(TimeSpan.FromMinutes(1))
                ?? throw new InvalidOperationException($"the socket closed ({(int?)socket.CloseStatus} {socket.CloseReason}) before the task made {minimum} % progress");
            var type = MessageAssert.Type(message);
            Assert.True(type is "connected" or "progress", $"the task ended ({type}) before the fault: make it longer");
            if (type == "progress" && message.GetProperty("progress").GetInt32() >= minimum)
            {
                MessageAssert.IsProgress(message, taskId);
                return message;
            }
        }
    }

    private static void AssertCompletedOnce(Guid taskId, SocketClient socket, List<JsonElement> tail, int documents = Documents) =>
        AssertCompletedOnce(taskId, new WatchedEnd([socket], tail), documents);

    /// <summary>
    /// The watch ended with the task's complete, and it came once over all its sockets; each socket's messages are in
    /// order, and a socket connected again starts where the one before left off or later.
    /// </summary>
    private static void AssertCompletedOnce(Guid taskId, WatchedEnd end, int documents = Documents)
    {
        var tail = end.Tail;
        var closes = string.Join(", then ", end.Sockets.Select(socket => $"({(int?)socket.CloseStatus} {socket.CloseReason})"));
        Assert.True(tail.Count > 0 && MessageAssert.Type(tail[^1]) == "complete",
            $"the socket closed {closes} after {(tail.Count > 0 ? MessageAssert.Type(tail[^1]) : "nothing")}, not after complete");
        MessageAssert.IsComplete(tail[^1], taskId);
        Assert.Single(end.Sockets.SelectMany(socket => socket.Messages), m => MessageAssert.Type(m) is "complete" or "error" or "cancelled");
        for (var i = 0; i < end.Sockets.Count; i++)
        {
            MessageAssert.AreOrdered(end.Sockets[i].Messages);
            if (i > 0)
            {
                var before = MessageAssert.Seq(end.Sockets[i - 1].Messages.Last(m => MessageAssert.Type(m) != "pong"));
                var connected = MessageAssert.Seq(end.Sockets[i].Messages[0]);
                Assert.True(connected >= before, $"the socket connected again at seq {connected}, before seq {before} of the one before it");
            }
        }

        Assert.Equal(documents, tail[^1].GetProperty("result").GetProperty("success").GetInt32());
    }

    private static async Task AssertEveryDocumentWrittenOnceAsync(ComposeSite site, string collection, int documents = Documents)
    {
        var counts = await site.QueryAsync($"SELECT count(*) || ' ' || max(write_count) FROM documents WHERE collection = '{collection}'");
        Assert.Equal($"{documents} 1", counts);
    }
}
