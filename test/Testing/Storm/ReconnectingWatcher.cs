using System.Net.WebSockets;
using System.Text.Json;

namespace OrleansTasks.Testing.Storm;

/// <summary>
/// Watches one task or batch over WebSocket as a careful client does: after a documented close
/// other than the end (1011 while the cluster cannot be reached, 1001, 1013) it reconnects, until
/// it has the terminal message. What it saw is checked against the protocol's promises: one
/// terminal message in all, <c>seq</c> rising within each connection, 1000 after the end, and no
/// connection dropped without a close frame.
/// </summary>
public sealed class ReconnectingWatcher
{
    private static readonly HashSet<string> TerminalTypes = ["complete", "error", "cancelled"];
    private static readonly HashSet<WebSocketCloseStatus> ReconnectCloses =
        [WebSocketCloseStatus.InternalServerError, WebSocketCloseStatus.EndpointUnavailable, (WebSocketCloseStatus)1013];

    private ReconnectingWatcher(string name, Uri address)
    {
        Name = name;
        Address = address;
    }

    public string Name { get; }

    public Uri Address { get; }

    /// <summary>Each connection's messages and how it ended: a close code, "dropped" without a close frame, or "timed out".</summary>
    public List<(List<JsonElement> Messages, string Close)> Connections { get; } = [];

    /// <summary>Handshakes that failed (the gateway answered 503 or could not be reached).</summary>
    public int Refused { get; private set; }

    private string Closes => string.Join(", ", Connections.Select(c => c.Close));

    public List<string> Violations { get; } = [];

    public JsonElement? Terminal { get; private set; }

    public static async Task<ReconnectingWatcher> WatchAsync(string name, Uri address, TimeSpan deadline)
    {
        var watcher = new ReconnectingWatcher(name, address);
        await watcher.RunAsync(DateTime.UtcNow + deadline);
        watcher.Check();
        return watcher;
    }

    private async Task RunAsync(DateTime deadline)
    {
        while (Terminal is null && DateTime.UtcNow < deadline)
        {
            SocketClient socket;
            try
            {
                socket = await SocketClient.ConnectAsync(Address);
            }
            catch (Exception exception) when (exception is WebSocketException or TimeoutException)
            {
                Refused++;

                // A client's backoff before it tries again, not a wait for a condition.
                await Task.Delay(TimeSpan.FromMilliseconds(250));
                continue;
            }

            await using (socket)
            {
                var messages = new List<JsonElement>();
                string close;
                try
                {
                    while (await socket.ReceiveAsync(deadline - DateTime.UtcNow) is { } message)
                    {
                        messages.Add(message);
                        if (TerminalTypes.Contains(Type(message)))
                        {
                            Terminal ??= message;
                        }
                    }

                    close = ((int?)socket.CloseStatus)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
                }
                catch (WebSocketException)
                {
                    close = "dropped";
                }
                catch (TimeoutException)
                {
                    close = "timed out";
                }

                Connections.Add((messages, close));
                if (Terminal is null && socket.CloseStatus is { } status && !ReconnectCloses.Contains(status))
                {
                    Violations.Add($"{Name}: closed with {(int)status} {socket.CloseReason} before its end");
                    return;
                }
            }
        }
    }

    private void Check()
    {
        var terminals = Connections.Sum(c => c.Messages.Count(m => TerminalTypes.Contains(Type(m))));
        if (terminals != 1)
        {
            Violations.Add($"{Name}: {terminals} terminal messages over {Connections.Count} connection(s); closes {Closes}");
        }

        if (Connections.Exists(c => c.Close is "dropped" or "timed out"))
        {
            Violations.Add($"{Name}: a connection was dropped without a close frame or went silent; closes {Closes}");
        }

        var seen = 0L;
        for (var i = 0; i < Connections.Count; i++)
        {
            var messages = Connections[i].Messages.Where(m => Type(m) != "pong").ToList();
            if (messages.Count > 0 && Seq(messages[0]) < seen)
            {
                Violations.Add($"{Name}: connection {i + 1} began at seq {Seq(messages[0])}, below the {seen} an earlier connection saw");
            }

            seen = Math.Max(seen, messages.Count > 0 ? messages.Max(Seq) : 0);
            for (var j = 1; j < messages.Count; j++)
            {
                var previous = Seq(messages[j - 1]);
                var current = Seq(messages[j]);
                var endOfEnded = j == 1 && TerminalTypes.Contains(Type(messages[j])) && current == previous;
                if (current <= previous && !endOfEnded)
                {
                    Violations.Add($"{Name}: connection {i + 1} got seq {current} after {previous}");
                }
            }

            if (messages.Exists(m => TerminalTypes.Contains(Type(m))) && Connections[i].Close != "1000")
            {
                Violations.Add($"{Name}: connection {i + 1} ended with {Connections[i].Close} after its terminal message");
            }
        }
    }

    private static string Type(JsonElement message) => message.GetProperty("type").GetString() ?? "";

    private static long Seq(JsonElement message) => message.GetProperty("seq").GetInt64();
}
