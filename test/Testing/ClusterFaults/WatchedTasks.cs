using System.Globalization;
using System.Text.Json;
using Npgsql;
using OrleansTasks.Testing.Storm;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// Tasks created over REST and each watched by a <see cref="ReconnectingWatcher"/> while a fault
/// runs, then held to what is promised whatever the fault: every watcher hears one terminal
/// message, <c>seq</c> rising and progress never going back; every task completed with all its
/// documents; every document written once (<c>documents.write_count</c> = 1).
/// </summary>
public sealed class WatchedTasks
{
    private readonly RunningCluster _cluster;
    private readonly int _documents;
    private readonly List<(Guid TaskId, string Collection, Task<ReconnectingWatcher> Watcher)> _tasks = [];
    private readonly Dictionary<Guid, int> _lastDone = [];

    private WatchedTasks(RunningCluster cluster, int documents)
    {
        _cluster = cluster;
        _documents = documents;
    }

    public IReadOnlyList<Guid> TaskIds => _tasks.Select(t => t.TaskId).ToList();

    /// <summary>
    /// Creates <paramref name="count"/> tasks of <paramref name="documents"/> documents, each watched
    /// until its end or <paramref name="deadline"/>; with <paramref name="runAt"/>, all start then.
    /// </summary>
    public static async Task<WatchedTasks> StartAsync(RunningCluster cluster, int count, int documents, TimeSpan deadline, DateTimeOffset? runAt = null)
    {
        var watched = new WatchedTasks(cluster, documents);
        using var http = Client(cluster);
        for (var i = 0; i < count; i++)
        {
            var body = TaskRequests.Body(documents, words: 120);
            if (runAt is { } at)
            {
                body["run_at"] = at.ToString("O", CultureInfo.InvariantCulture);
            }

            var taskId = await TaskRequests.CreateRetryingAsync(http, body, TimeSpan.FromMinutes(2));
            var address = new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}");
            watched._tasks.Add((taskId, body["collection"]!.GetValue<string>(),
                ReconnectingWatcher.WatchAsync(taskId.ToString("N")[..8], address, deadline)));
        }

        return watched;
    }

    /// <summary>
    /// Documents done so far, as the task answers over REST; -1 once it has ended, null while the gateway
    /// answers 503 or, given <paramref name="patience"/>, has not answered within it (a read sent to a
    /// stopped silo waits for the call's response timeout; the next read finds the task where it went on).
    /// </summary>
    public async Task<int?> CurrentAsync(Guid taskId, TimeSpan? patience = null) => await ReadAsync(taskId, patience) is { } task
        ? task.GetProperty("status").GetString() is "completed" or "failed" or "cancelled" ? -1 : task.GetProperty("current").GetInt32()
        : null;

    /// <summary>The tasks whose <c>message</c>, as they answer over REST now, starts with <paramref name="prefix"/>.</summary>
    public async Task<IReadOnlyList<Guid>> SayingAsync(string prefix)
    {
        // All at once: a read waits for the task's slice, which a slow database makes last seconds.
        var read = await Task.WhenAll(_tasks.Select(async t => (t.TaskId, Task: await ReadAsync(t.TaskId))));
        return [.. read.Where(r => r.Task is { } task && task.GetProperty("message").GetString()!.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r.TaskId)];
    }

    /// <summary>Documents done by all tasks together, as they answer over REST (an ended task's all; a task not answering, what it last said).</summary>
    public async Task<long> DoneAsync()
    {
        var read = await Task.WhenAll(_tasks.Select(async t => (t.TaskId, Current: await CurrentAsync(t.TaskId))));
        foreach (var (taskId, current) in read)
        {
            if (current is { } known)
            {
                _lastDone[taskId] = known == -1 ? _documents : known;
            }
        }

        return _lastDone.Values.Sum(done => (long)done);
    }

    /// <summary>How many tasks have not ended yet, as they answer over REST (one not answering counts as not ended).</summary>
    public async Task<int> UnfinishedAsync()
    {
        var unfinished = 0;
        foreach (var (taskId, _, _) in _tasks)
        {
            unfinished += await CurrentAsync(taskId) is -1 ? 0 : 1;
        }

        return unfinished;
    }

    /// <summary>What each watcher that has ended heard, over all its connections.</summary>
    public IEnumerable<List<JsonElement>> Heard => _tasks
        .Where(t => t.Watcher.IsCompletedSuccessfully)
        .Select(t => t.Watcher.Result.Connections.SelectMany(c => c.Messages).ToList());

    /// <summary>Waits until <paramref name="atLeast"/> tasks (all, by default) have indexed at least one slice.</summary>
    public Task WaitUntilRunningAsync(TimeSpan deadline, int? atLeast = null) => Eventually.TrueAsync(
        $"{atLeast ?? _tasks.Count} of {_tasks.Count} tasks to report documents done",
        async () =>
        {
            var running = 0;
            foreach (var (taskId, _, _) in _tasks)
            {
                running += await CurrentAsync(taskId) is null or 0 ? 0 : 1;
            }

            return running >= (atLeast ?? _tasks.Count);
        },
        deadline);

    /// <summary>
    /// The silo running the most tasks now and the tasks it runs, each with its documents done so far
    /// (a task that has not indexed a slice yet or has ended is not counted).
    /// </summary>
    public async Task<(ProcessHost Silo, List<(Guid TaskId, int Current)> Tasks)> BusiestSiloAsync()
    {
        var running = new List<(Guid TaskId, ProcessHost Silo, int Current)>();
        foreach (var taskId in TaskIds)
        {
            if (await CurrentAsync(taskId) is > 0 and var current)
            {
                running.Add((taskId, await _cluster.SiloRunningAsync(taskId), current));
            }
        }

        var busiest = running.GroupBy(r => r.Silo).MaxBy(g => g.Count())
            ?? throw new InvalidOperationException($"every one of {_tasks.Count} tasks ended before the fault: give them more documents");
        return (busiest.Key, busiest.Select(r => (r.TaskId, r.Current)).ToList());
    }

    /// <summary>The task as it answers over REST; null while the gateway answers 503, or when it has not answered within <paramref name="patience"/>.</summary>
    private async Task<JsonElement?> ReadAsync(Guid taskId, TimeSpan? patience = null)
    {
        using var http = Client(_cluster);
        using var impatient = new CancellationTokenSource(patience ?? Timeout.InfiniteTimeSpan);
        HttpResponseMessage answered;
        try
        {
            answered = await http.GetAsync(new Uri($"/api/tasks/{taskId}", UriKind.Relative), impatient.Token);
        }
        catch (OperationCanceledException) when (impatient.IsCancellationRequested)
        {
            return null;
        }

        using var response = answered;
        if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
        {
            return null;
        }

        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            // The gateway's last lines hold the exception behind an answer such as 500, which its body never names.
            throw new HttpRequestException(
                $"GET /api/tasks/{taskId} answered {(int)response.StatusCode}: {body}\nThe gateway's last lines (all of them under ORLEANSTASKS_PROCESS_LOGS):\n{_cluster.Gateway?.RecentOutput}",
                null, response.StatusCode);
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }

    /// <summary>Waits for every watcher to end, then checks every promise; the broken ones are its violations (none is the pass).</summary>
    public async Task<WatchedOutcome> CheckAsync()
    {
        var violations = new List<string>();
        var (completed, writtenTwice, terminalsWrong) = (0, 0L, 0);
        using var http = Client(_cluster);
        // Unpooled: a fault may have ended the pooled sessions of this process.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_cluster.Database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        foreach (var (taskId, collection, watching) in _tasks)
        {
            var watcher = await watching;
            violations.AddRange(watcher.Violations);
            violations.AddRange(ProgressGoingBack(watcher));
            terminalsWrong += watcher.Connections.Sum(c => c.Messages.Count(m => m.GetProperty("type").GetString() is "complete" or "error" or "cancelled")) == 1 ? 0 : 1;
            if (watcher.Terminal is { } end && (end.GetProperty("type").GetString() != "complete"
                || end.GetProperty("result").GetProperty("success").GetInt32() != _documents))
            {
                violations.Add($"{watcher.Name}: ended with {end}");
            }

            var stored = await TaskRequests.GetAsync(http, taskId);
            if (stored.GetProperty("status").GetString() == "completed")
            {
                completed++;
            }
            else
            {
                violations.Add($"{watcher.Name}: stored as {stored.GetProperty("status").GetString()}");
            }

            await using var command = new NpgsqlCommand(
                "SELECT count(*), coalesce(max(write_count), 0), count(*) FILTER (WHERE write_count > 1) FROM documents WHERE collection = @c", connection);
            command.Parameters.AddWithValue("c", collection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (rows, writes) = (reader.GetInt64(0), reader.GetInt32(1));
            writtenTwice += reader.GetInt64(2);
            if (rows != _documents || writes != 1)
            {
                violations.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{watcher.Name}: {rows} of {_documents} documents stored, written at most {writes} time(s)"));
            }
        }

        return new WatchedOutcome(_tasks.Count, completed, writtenTwice, terminalsWrong, violations);
    }

    /// <summary>Progress as each message states it (the snapshot's on connect), in the order heard over every connection, never falls.</summary>
    private static IEnumerable<string> ProgressGoingBack(ReconnectingWatcher watcher)
    {
        var highest = 0;
        foreach (var message in watcher.Connections.SelectMany(c => c.Messages))
        {
            var progress = message.GetProperty("type").GetString() switch
            {
                "connected" => message.GetProperty("current_progress").GetInt32(),
                "progress" => message.GetProperty("progress").GetInt32(),
                _ => -1,
            };
            if (progress >= 0 && progress < highest)
            {
                yield return $"{watcher.Name}: progress went back from {highest} to {progress} (seq {message.GetProperty("seq").GetInt64()})";
            }

            highest = Math.Max(highest, progress);
        }
    }

    private static HttpClient Client(RunningCluster cluster)
    {
        var http = new HttpClient { BaseAddress = cluster.GatewayAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        return http;
    }
}

/// <summary>
/// What became of watched tasks: how many completed, how many documents were written more than
/// once (must be 0), how many watchers heard no end or more than one (must be 0), and every
/// promise broken, each as a line naming the task.
/// </summary>
public sealed record WatchedOutcome(int Tasks, int Completed, long DocumentsWrittenTwice, int TerminalsLostOrDoubled, List<string> Violations);
