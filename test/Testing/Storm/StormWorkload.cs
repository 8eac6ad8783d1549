using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace OrleansTasks.Testing.Storm;

/// <summary>
/// A cluster's ordinary work under a database storm: batches (two tasks, each followed by another),
/// dependency chains, plain tasks, cancelled tasks and one-off schedules firing within the storm,
/// created over REST as a careful client does (an Idempotency-Key, retried on 5xx and on lost
/// connections), every task and batch watched by a <see cref="ReconnectingWatcher"/>. Then what
/// must hold is checked: every watcher heard its end once, and it is the end stored; every task and
/// batch completed (or was cancelled, when asked to), no document was written twice and every
/// schedule ran its occurrence once.
/// </summary>
public sealed class StormWorkload(Uri gateway, string token, string database)
{
    private static readonly Dictionary<string, string> TerminalTypes = new() { ["completed"] = "complete", ["failed"] = "error", ["cancelled"] = "cancelled" };

    private readonly List<Watched> _watched = [];
    private readonly List<(string Collection, int Documents)> _collections = [];
    private readonly List<(Guid ScheduleId, string Collection)> _schedules = [];
    private readonly List<string> _violations = [];
    private readonly Lock _lock = new();
    private int _retried;
    private int _serverErrors;
    private ReconnectingWatcher[] _finished = [];

    /// <summary>How many times a wave of work (two batches, a chain, a task, a cancelled task and a schedule) is sent, spread over the storm.</summary>
    public int Waves { get; init; } = 6;

    public int DocumentsPerTask { get; init; } = 150;

    /// <summary>How long watchers, requests and schedules may take, storm included.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(4);

    /// <summary>How far ahead of its creation a schedule's one occurrence is: within the storm.</summary>
    public TimeSpan ScheduleAhead { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Sends the waves over <paramref name="during"/> and waits until every watcher has heard its
    /// end; a request that never succeeds or a schedule that never runs is a violation.
    /// </summary>
    public async Task RunAsync(TimeSpan during)
    {
        using var http = Client();
        var creations = new List<Task>();
        for (var wave = 0; wave < Waves; wave++)
        {
            if (wave > 0)
            {
                // Waves are spread over the storm, so that creations, runs and ends all meet it.
                await System.Threading.Tasks.Task.Delay(during / Waves);
            }

            creations.Add(Violating(CreateBatchAsync(http, 2 * wave)));
            creations.Add(Violating(CreateBatchAsync(http, (2 * wave) + 1)));
            creations.Add(Violating(CreateChainAsync(http)));
            creations.Add(Violating(CreateTaskAsync(http, TaskRequests.Body(DocumentsPerTask), "task")));
            creations.Add(Violating(CreateCancelledTaskAsync(http)));
            // A create retried through the storm past its time is still accepted: 'at' may be up to a minute in the past.
            creations.Add(Violating(CreateScheduleAsync(http, ScheduleAhead)));
        }

        await System.Threading.Tasks.Task.WhenAll(creations);
        _finished = await System.Threading.Tasks.Task.WhenAll(_watched.Select(watched => watched.Watcher));
    }

    /// <summary>Checks, once the storm is over, what must hold; returns what was seen and every promise broken.</summary>
    public async Task<StormReport> CheckAsync()
    {
        using var http = Client();
        foreach (var watcher in _finished)
        {
            _violations.AddRange(watcher.Violations);
        }

        await CheckEndsAsync(http);
        await CheckDocumentsAsync();
        return new StormReport(
            _finished.Length, _finished.Sum(w => w.Connections.Count - 1), _finished.Sum(w => w.Refused), _retried, _serverErrors, _violations);
    }

    private HttpClient Client()
    {
        var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }

    private async Task CreateBatchAsync(HttpClient http, int number)
    {
        var half = DocumentsPerTask / 2;
        var body = BatchRequests.Body(
            BatchRequests.Task("a", DocumentsPerTask), BatchRequests.Task("b", DocumentsPerTask),
            BatchRequests.Task("c", half, after: "a"), BatchRequests.Task("d", half, after: "b"));
        foreach (var task in body["tasks"]!.AsArray())
        {
            Expect(task!["collection"]!.GetValue<string>(), task["documents"]!.AsArray().Count);
        }

        var accepted = await PostAsync(http, "/api/batches", body);
        var batchId = accepted.GetProperty("batch_id").GetGuid();
        Watch($"batch {number}", $"/ws/batch/{batchId}", $"/api/batches/{batchId}", "completed");

        foreach (var task in accepted.GetProperty("tasks").EnumerateArray())
        {
            WatchTask(task.GetProperty("task_id").GetGuid(), $"batch {batchId} task {task.GetProperty("ref").GetString()}");
        }
    }

    private async Task CreateChainAsync(HttpClient http)
    {
        var first = await CreateTaskAsync(http, TaskRequests.Body(DocumentsPerTask), "chain start");
        var then = TaskRequests.Body(DocumentsPerTask / 2);
        then["depends_on"] = new JsonArray(first.ToString());
        await CreateTaskAsync(http, then, $"chain after {first}");
    }

    private async Task<Guid> CreateTaskAsync(HttpClient http, JsonObject body, string origin)
    {
        Expect(body["collection"]!.GetValue<string>(), body["documents"]!.AsArray().Count);
        var taskId = (await PostAsync(http, "/api/tasks", body)).GetProperty("task_id").GetGuid();
        WatchTask(taskId, origin);
        return taskId;
    }

    /// <summary>A task that waits for its time, cancelled during the storm (a 409 to a retried cancel means it had ended).</summary>
    private async Task CreateCancelledTaskAsync(HttpClient http)
    {
        var body = TaskRequests.Body(DocumentsPerTask / 2);
        body["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        var taskId = (await PostAsync(http, "/api/tasks", body)).GetProperty("task_id").GetGuid();
        WatchTask(taskId, "cancelled", "cancelled");
        await PostAsync(http, $"/api/tasks/{taskId}/cancel", body: null, also: 409);
    }

    private async Task CreateScheduleAsync(HttpClient http, TimeSpan after)
    {
        var task = TaskRequests.Body(DocumentsPerTask / 2);
        var collection = task["collection"]!.GetValue<string>();
        Expect(collection, DocumentsPerTask / 2);
        var body = new JsonObject
        {
            ["name"] = "storm",
            ["task"] = task,
            ["at"] = (DateTimeOffset.UtcNow + after).ToString("O", CultureInfo.InvariantCulture),
        };
        var scheduleId = (await PostAsync(http, "/api/schedules", body)).GetProperty("schedule_id").GetGuid();
        lock (_lock)
        {
            _schedules.Add((scheduleId, collection));
        }

        // Its task is watched once the occurrence has fired.
        var run = await PollAsync(http, $"/api/schedules/{scheduleId}", s => s.GetProperty("runs").GetInt32() > 0);
        WatchTask(run.GetProperty("last_run").GetProperty("task_id").GetGuid(), $"schedule {scheduleId}");
    }

    private void WatchTask(Guid taskId, string origin, string expected = "completed") =>
        Watch($"task {taskId} ({origin})", $"/ws/task/{taskId}", $"/api/tasks/{taskId}", expected, isTask: expected == "completed");

    private void Watch(string name, string socketPath, string resourcePath, string expected, bool isTask = false)
    {
        var address = new Uri($"ws://{gateway.Authority}{socketPath}?token={token}");
        lock (_lock)
        {
            _watched.Add(new Watched(name, resourcePath, expected, isTask, ReconnectingWatcher.WatchAsync(name, address, Deadline)));
        }
    }

    /// <summary>A creation that fails (a request never accepted, a schedule that never ran) is a broken promise, not the end of the run.</summary>
    private async Task Violating(Task creation)
    {
        try
        {
            await creation;
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            Require(false, exception.Message);
        }
    }

    private void Expect(string collection, int documents)
    {
        lock (_lock)
        {
            _collections.Add((collection, documents));
        }
    }

    /// <summary>
    /// Every task and batch ended as expected, and its watcher heard that end; every schedule ran its
    /// one occurrence once.
    /// </summary>
    private async Task CheckEndsAsync(HttpClient http)
    {
        for (var i = 0; i < _finished.Length; i++)
        {
            var (name, path, expected, indexedAll, _) = _watched[i];
            if (await FindAsync(http, path) is not { } resource)
            {
                continue;
            }

            var status = resource.GetProperty("status").GetString() ?? "";
            Require(status == expected, $"{name} ended {status}: {resource.GetProperty("message")}");
            var heard = _finished[i].Terminal is { } terminal ? terminal.GetProperty("type").GetString() : null;
            Require(heard is null || heard == TerminalTypes.GetValueOrDefault(status),
                $"{name}: its watcher heard '{heard}' but it is stored {status}");
            if (indexedAll)
            {
                // Every collection is the task's own: a document it found unchanged was written by another task first.
                var counts = resource.GetProperty("counts");
                Require(counts.GetProperty("indexed").GetInt32() == resource.GetProperty("total").GetInt32() && counts.GetProperty("unchanged").GetInt32() == 0,
                    $"{name} counts {counts}");
            }
        }

        await using var connection = new NpgsqlConnection(database + ";Pooling=false");
        await connection.OpenAsync();
        foreach (var (scheduleId, collection) in _schedules)
        {
            if (await FindAsync(http, $"/api/schedules/{scheduleId}") is not { } schedule)
            {
                continue;
            }

            Require(schedule.GetProperty("runs").GetInt32() == 1 && schedule.GetProperty("recent_runs").GetArrayLength() == 1,
                $"schedule {scheduleId} counts {schedule.GetProperty("runs")} runs");
            await using var command = new NpgsqlCommand("SELECT count(*) FROM task_history WHERE collection = @c", connection);
            command.Parameters.AddWithValue("c", collection);
            var started = (long)(await command.ExecuteScalarAsync())!;
            Require(started == 1, $"schedule {scheduleId} started {started} tasks for its one occurrence");
        }
    }

    /// <summary>Every document is in the index, written exactly once, by exactly one task.</summary>
    private async Task CheckDocumentsAsync()
    {
        await using var connection = new NpgsqlConnection(database + ";Pooling=false");
        await connection.OpenAsync();
        foreach (var (collection, documents) in _collections)
        {
            await using (var tasks = new NpgsqlCommand("SELECT count(*) FROM task_history WHERE collection = @c", connection))
            {
                tasks.Parameters.AddWithValue("c", collection);
                var count = (long)(await tasks.ExecuteScalarAsync())!;
                Require(count == 1, $"collection {collection} was indexed by {count} tasks");
            }

            await using var command = new NpgsqlCommand("SELECT count(*), coalesce(max(write_count), 0) FROM documents WHERE collection = @c", connection);
            command.Parameters.AddWithValue("c", collection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Require(reader.GetInt64(0) == documents, $"collection {collection} holds {reader.GetInt64(0)} of {documents} documents");
            Require(reader.GetInt32(1) <= 1, $"collection {collection}: a document was written {reader.GetInt32(1)} times");
        }
    }

    private void Require(bool holds, string violation)
    {
        if (!holds)
        {
            lock (_lock)
            {
                _violations.Add(violation);
            }
        }
    }

    /// <summary>
    /// POSTs as a careful client: the same Idempotency-Key on every attempt, retried on 5xx and lost
    /// connections; 201, 202 and <paramref name="also"/> are answers.
    /// </summary>
    private async Task<JsonElement> PostAsync(HttpClient http, string path, JsonNode? body, int? also = null)
    {
        var key = Guid.NewGuid().ToString("N");
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            try
            {
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode is 201 or 202 || (int)response.StatusCode == also)
                {
                    return JsonDocument.Parse(text).RootElement.Clone();
                }

                if ((int)response.StatusCode < 500)
                {
                    throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
                }

                Interlocked.Increment(ref _serverErrors);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // The connection was lost or the answer did not come: the same request again.
            }

            Interlocked.Increment(ref _retried);
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"POST {path} did not succeed within {Deadline}.");
            }

            await System.Threading.Tasks.Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>The resource, or null with a violation when it cannot be read.</summary>
    private async Task<JsonElement?> FindAsync(HttpClient http, string path)
    {
        try
        {
            return await PollAsync(http, path, _ => true, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException exception)
        {
            Require(false, exception.Message);
            return null;
        }
    }

    /// <summary>GETs until <paramref name="done"/> holds, retrying 5xx and lost connections, within the deadline.</summary>
    private async Task<JsonElement> PollAsync(HttpClient http, string path, Func<JsonElement, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Deadline);
        var last = "no answer";
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(path);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.IsSuccessStatusCode)
                {
                    var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                    if (done(json))
                    {
                        return json;
                    }
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Asked again below.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"GET {path} did not reach the awaited state within {within ?? Deadline}; last answer: {last[..Math.Min(last.Length, 600)]}");
            }

            await System.Threading.Tasks.Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }
}

/// <summary>A task or batch and its watcher: how it must end, and whether it must have indexed all its documents.</summary>
internal sealed record Watched(string Name, string ResourcePath, string Expected, bool IndexedAll, Task<ReconnectingWatcher> Watcher);

/// <summary>What a storm run saw: how many watchers and how often they reconnected, requests retried, and every promise broken.</summary>
public sealed record StormReport(int Watchers, int Reconnects, int RefusedHandshakes, int RetriedRequests, int ServerErrors, IReadOnlyList<string> Violations);
