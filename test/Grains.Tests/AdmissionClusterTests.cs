using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Admission;
using OrleansTasks.Storage.Faults;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// Cluster-wide admission on real silos and PostgreSQL: priority order, ageing against a steady
/// stream of high-priority work, the per-user limit across two silos, and the queue's order across
/// a restart of every silo.
/// </summary>
public sealed class AdmissionClusterTests(PostgresServer postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    private static string NewCluster() => "a" + Guid.NewGuid().ToString("N")[..10];

    private static Dictionary<string, string?> Settings(int slots, int perUser = 0, string ageing = "00:05:00") => new()
    {
        ["Tasks:LeasePeriod"] = "00:00:02",
        ["Tasks:MaxRunningPerSilo"] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Tasks:MaxRunningPerUser"] = perUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Tasks:PriorityAgeing"] = ageing,
    };

    private static async Task<Guid> StartAsync(IGrainFactory grains, string owner, TaskPriority priority, int documents)
    {
        var taskId = Guid.NewGuid();
        var request = new StartIndexTask(owner, "admission", Documents.Generate(documents, wordsPerDocument: 60)) { Priority = priority };
        // A start repeated for the same task finishes the first one's work (see IndexTaskGrain.Start).
        await AnsweredAsync($"task {taskId}'s start", () => grains.GetGrain<IIndexTaskGrain>(taskId).Start(request));
        return taskId;
    }

    /// <summary>How long one call is asked again while the task store answers "try again".</summary>
    private static readonly TimeSpan AnswerPatience = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Makes a grain call as a client honouring "the task store is unavailable, try again" would: again,
    /// until it is answered or <see cref="AnswerPatience"/> has passed. On a loaded machine (three test
    /// assemblies and image builds on two cores) a statement may wait past its timeout, and a silo that has
    /// just started reactivates every task and the queue at once; what these tests assert is the queue's
    /// order, not the store's speed. Each "try again" is written to the test's output, so that a change that
    /// makes them common shows as a rising count rather than being absorbed.
    /// </summary>
    private static async Task<T> AnsweredAsync<T>(string calling, Func<Task<T>> call)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception exception) when (StorageFaults.IsUnavailable(exception))
            {
                TestContext.Current.TestOutputHelper?.WriteLine(
                    $"{calling}: the task store answered 'try again' after {waited.Elapsed.TotalSeconds:F1} s ({exception.Message})");
                if (waited.Elapsed > AnswerPatience)
                {
                    throw new TimeoutException(
                        $"Waited {waited.Elapsed} for {calling} to be answered; the task store's last answer was 'try again': {exception.Message}", exception);
                }

                await Task.Delay(100);
            }
        }
    }

    private static async Task<IndexTaskSnapshot> SnapshotAsync(IGrainFactory grains, Guid taskId) =>
        (await AnsweredAsync($"task {taskId}'s snapshot", () => grains.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot()))!;

    private static Task<CancelOutcome> CancelAsync(IGrainFactory grains, Guid taskId, string cancelledBy) =>
        AnsweredAsync($"task {taskId}'s cancellation", () => grains.GetGrain<IIndexTaskGrain>(taskId).Cancel(cancelledBy));

    /// <summary>
    /// Waits for every task to end. A read answered "try again" counts as not yet for the whole deadline,
    /// not only <see cref="AnswerPatience"/>: a silo that has just started reactivates every task and the
    /// queue at once. A wait that times out says what the store's last such answer was.
    /// </summary>
    private static async Task<List<IndexTaskSnapshot>> EndedAsync(IGrainFactory grains, Guid[] taskIds)
    {
        var waitingFor = $"{taskIds.Length} tasks to end";
        Exception? unavailable = null;
        try
        {
            await Eventually.TrueAsync(waitingFor, async () =>
            {
                try
                {
                    var ended = (await Task.WhenAll(taskIds.Select(id => grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot()))).All(s => s!.IsTerminal);
                    unavailable = null;
                    return ended;
                }
                catch (Exception exception) when (StorageFaults.IsUnavailable(exception))
                {
                    unavailable = exception;
                    return false;
                }
            }, Deadline);
        }
        catch (TimeoutException timeout) when (unavailable is not null && timeout.Message.EndsWith($" for {waitingFor}.", StringComparison.Ordinal))
        {
            throw new TimeoutException($"{timeout.Message} The task store's last answer was 'try again': {unavailable.Message}", new AggregateException(timeout, unavailable));
        }

        return [.. await Task.WhenAll(taskIds.Select(id => SnapshotAsync(grains, id)))];
    }

    private static async Task<List<int?>> PositionsAsync(IGrainFactory grains, IEnumerable<Guid> taskIds) =>
        [.. (await Task.WhenAll(taskIds.Select(id => SnapshotAsync(grains, id)))).Select(s => s.QueuePosition)];

    /// <summary>The most of <paramref name="tasks"/> that were processing at one time.</summary>
    private static int MostAtOnce(IEnumerable<IndexTaskSnapshot> tasks)
    {
        var edges = tasks.SelectMany(t => new[] { (At: t.StartedAt!.Value, Step: 1), (At: t.FinishedAt!.Value, Step: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Step);
        var (now, most) = (0, 0);
        foreach (var edge in edges)
        {
            now += edge.Step;
            most = Math.Max(most, now);
        }

        return most;
    }

    [Fact]
    public async Task Queued_tasks_start_by_priority_then_arrival_and_their_positions_say_so()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, NewCluster(), Settings(slots: 1));
        var grains = silo.Client;
        var blocker = await StartAsync(grains, "alice", TaskPriority.Normal, 8000);
        await Eventually.TrueAsync(async () => (await SnapshotAsync(grains, blocker)).Status == IndexTaskStatus.Processing);
        var low = await StartAsync(grains, "alice", TaskPriority.Low, 50);
        var normal1 = await StartAsync(grains, "alice", TaskPriority.Normal, 50);
        var high1 = await StartAsync(grains, "alice", TaskPriority.High, 50);
        var normal2 = await StartAsync(grains, "alice", TaskPriority.Normal, 50);
        var high2 = await StartAsync(grains, "alice", TaskPriority.High, 50);
        Guid[] expected = [high1, high2, normal1, normal2, low];

        // A task asks for its slot after its start has answered, so the queue may still be filling when
        // the first positions are read: each is true when read, and they settle once every request is in.
        List<int?> positions = [];
        await Eventually.TrueAsync(async () => (positions = await PositionsAsync(grains, expected)).SequenceEqual([1, 2, 3, 4, 5]), Deadline,
            "the queued tasks' positions to settle at 1–5 in priority then arrival order");
        await CancelAsync(grains, blocker, "user:alice");
        var ended = await EndedAsync(grains, expected);

        Assert.Equal([1, 2, 3, 4, 5], positions);
        Assert.All(ended, t => Assert.Equal(IndexTaskStatus.Completed, t.Status));
        Assert.Equal(expected, ended.OrderBy(t => t.StartedAt).Select(t => t.TaskId));
        Assert.Equal([TaskPriority.High, TaskPriority.High, TaskPriority.Normal, TaskPriority.Normal, TaskPriority.Low], ended.Select(t => t.Priority));
    }

    /// <summary>A task's time limit counts from its start: one queued behind a slot held longer than its limit still completes.</summary>
    [Fact]
    public async Task A_queued_tasks_time_limit_counts_from_its_start_not_from_its_wait_in_the_queue()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, NewCluster(), Settings(slots: 1), s => s.Services.AddFaultInjection());

        // Paced (8,000 documents take at least 40 s), so that the blocker holds the only slot until it is cancelled.
        silo.Services.GetRequiredService<FaultPlan>().PaceIndex("admission", TimeSpan.FromMilliseconds(5));
        var grains = silo.Client;
        var blocker = await StartAsync(grains, "alice", TaskPriority.Normal, 8000);
        await Eventually.TrueAsync(async () => (await SnapshotAsync(grains, blocker)).Status == IndexTaskStatus.Processing);
        // Ample for its 20 paced documents once it starts, on a loaded machine too; its wait in the queue is twice that.
        var limit = TimeSpan.FromSeconds(5);
        var queuedId = Guid.NewGuid();
        var queued = new StartIndexTask("alice", "admission", Documents.Generate(20)) { Timeout = limit };
        await AnsweredAsync($"task {queuedId}'s start", () => grains.GetGrain<IIndexTaskGrain>(queuedId).Start(queued));
        var waiting = await SnapshotAsync(grains, queuedId);

        // Held in the queue for twice its limit, then let go.
        await Eventually.TrueAsync(async () => DateTimeOffset.UtcNow - (await SnapshotAsync(grains, queuedId)).CreatedAt > 2 * limit, Deadline,
            "the queued task to have waited twice its time limit");
        var stillQueued = await SnapshotAsync(grains, queuedId);
        await CancelAsync(grains, blocker, "user:alice");
        var ended = (await EndedAsync(grains, [queuedId])).Single();

        Assert.Equal(IndexTaskStatus.Pending, waiting.Status);
        Assert.Equal(IndexTaskStatus.Pending, stillQueued.Status);
        Assert.Equal(IndexTaskStatus.Completed, ended.Status);
        Assert.True(ended.StartedAt - ended.CreatedAt > 2 * limit, $"the task started {ended.StartedAt - ended.CreatedAt} after it was created");
    }

    [Fact]
    public async Task A_low_priority_task_ages_past_a_steady_stream_of_high_priority_work()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, NewCluster(), Settings(slots: 1, ageing: "00:00:05"));
        var grains = silo.Client;

        // The first holds the slot until the test cancels it: as large as a task may be (a task of 1,500 ended
        // before the others were in line on a quick machine, and on a loaded one only after the low task had aged).
        var first = await StartAsync(grains, "alice", TaskPriority.High, 10_000);
        var low = await StartAsync(grains, "bob", TaskPriority.Low, 50);
        var highs = new List<Guid> { first, await StartAsync(grains, "alice", TaskPriority.High, 1500) };
        await Eventually.TrueAsync("the low task and the high task created after it to be in line", async () =>
            (await SnapshotAsync(grains, low)).QueuePosition is not null && (await SnapshotAsync(grains, highs[1])).QueuePosition is not null, Deadline);

        // The slot frees now, well before the low task can have aged to high (two periods, 10 s).
        await CancelAsync(grains, first, "user:alice");

        // High-priority work keeps arriving, faster than one slot gets through it, until the low task has run.
        await Eventually.TrueAsync("the low task to end while high-priority tasks keep arriving", async () =>
        {
            highs.Add(await StartAsync(grains, "alice", TaskPriority.High, 1500));
            return (await SnapshotAsync(grains, low)).IsTerminal;
        }, Deadline);
        var lowEnd = await SnapshotAsync(grains, low);
        var highEnds = await Task.WhenAll(highs.Select(id => SnapshotAsync(grains, id)));

        Assert.Equal(IndexTaskStatus.Completed, lowEnd.Status);
        Assert.True(lowEnd.StartedAt - lowEnd.CreatedAt >= TimeSpan.FromSeconds(2), "a low task waits while high ones are ahead of it");
        Assert.Contains(highEnds, h => h.CreatedAt > lowEnd.CreatedAt && h.StartedAt < lowEnd.StartedAt);
        Assert.Contains(highEnds, h => h.CreatedAt < lowEnd.StartedAt && (h.StartedAt is null || h.StartedAt > lowEnd.StartedAt));

        // Best effort, after the assertions: only not to leave the silo's stop a queue of work.
        foreach (var id in highs)
        {
            try
            {
                await grains.GetGrain<IIndexTaskGrain>(id).Cancel("user:alice");
            }
            catch (Exception exception) when (StorageFaults.IsUnavailable(exception) || exception is TimeoutException)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"task {id}'s cancellation, in the clean-up, failed: {exception.Message}");
            }
        }
    }

    [Fact]
    public async Task The_per_user_limit_counts_an_owners_running_tasks_across_two_silos()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = NewCluster();
        var settings = Settings(slots: 2, perUser: 2);
        await using var first = await PostgresSilo.StartAsync(database, cluster, settings);
        await using var second = await PostgresSilo.StartAsync(database, cluster, settings);
        var alice = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            StartAsync(i % 2 == 0 ? first.Client : second.Client, "alice", TaskPriority.High, 6000)));
        // Bob's tasks are spread over both silos, as alice's are: whichever silo alice's two running
        // tasks sit on, the other slots are on a silo where bob has tasks waiting.
        var bob = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            StartAsync(i % 2 == 0 ? first.Client : second.Client, "bob", TaskPriority.Low, 2000)));

        var ended = await EndedAsync(first.Client, [.. alice, .. bob]);
        var aliceEnds = ended.Where(t => t.OwnerId == "alice").ToList();
        var bobEnds = ended.Where(t => t.OwnerId == "bob").ToList();

        Assert.All(ended, t => Assert.Equal(IndexTaskStatus.Completed, t.Status));
        Assert.Equal(2, MostAtOnce(aliceEnds));
        Assert.InRange(MostAtOnce(bobEnds), 1, 2);
        Assert.True(bobEnds.Min(t => t.StartedAt) < aliceEnds.Max(t => t.StartedAt), "bob's low-priority tasks use the slots alice may not");
        Assert.InRange(MostAtOnce(ended), 3, 4);
    }

    [Fact]
    public async Task The_queue_counts_an_owners_slots_on_every_silo_against_the_per_user_limit()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = NewCluster();
        var settings = Settings(slots: 2, perUser: 2);
        await using var first = await PostgresSilo.StartAsync(database, cluster, settings);
        await using var second = await PostgresSilo.StartAsync(database, cluster, settings);
        var (siloA, siloB) = (SiloOf(first), SiloOf(second));
        var queue = first.Client.GetGrain<IAdmissionQueueGrain>(0);

        // Both silos' own reports (no slot held) are in before the test speaks for them.
        await AdmissionSlotReports.StoredAsync(first, first, second);
        var now = DateTimeOffset.UtcNow;
        AdmissionTicket Ticket(string owner, int second) => new(Guid.NewGuid(), owner, TaskPriority.Normal, now.AddSeconds(second));
        var (alice1, alice2, alice3, bob) = (Ticket("alice", 1), Ticket("alice", 2), Ticket("alice", 3), Ticket("bob", 4));

        var onA = await queue.Exchange(new AdmissionExchange(siloA, 2, [], [alice1, alice2], []));
        await Eventually.TrueAsync("the second silo to be active in the first one's membership view", async () =>
            (await first.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2);
        var onB = await queue.Exchange(new AdmissionExchange(siloB, 2, [], [alice3, bob], []));
        var alice3Position = await queue.Position(alice3.TaskId);
        var afterLeave = await queue.Exchange(new AdmissionExchange(siloA, 2, [alice2], [], [alice1.TaskId]));
        var onBAgain = await queue.Exchange(new AdmissionExchange(siloB, 2, [bob], [alice3], []));

        // Each answered with its slot as it asked: processing from then on.
        Assert.Equal([alice1 with { Processing = true }, alice2 with { Processing = true }], onA);
        Assert.Equal([bob with { Processing = true }], onB);
        Assert.Equal(1, alice3Position);
        Assert.Empty(afterLeave);
        Assert.Equal([alice3 with { Processing = true }], onBAgain);
        Assert.Null(await queue.Position(alice3.TaskId));
    }

    [Fact]
    public async Task A_task_handed_on_by_a_graceful_stop_keeps_its_owners_place_and_resumes_before_the_owners_next_task()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = NewCluster();
        // A lease of 10 s: the owner's place is kept for two, however slowly the stopping silo hands the task on.
        var settings = Settings(slots: 1, perUser: 1);
        settings["Tasks:LeasePeriod"] = "00:00:10";
        await using var first = await PostgresSilo.StartAsync(database, cluster, settings);
        await using var second = await PostgresSilo.StartAsync(database, cluster, settings);
        var grains = first.Client;
        await Eventually.TrueAsync("the second silo to be active in the first one's membership view", async () =>
            (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2);

        // Alice's long task runs on the second silo; her two short ones wait behind her limit of one.
        var longTask = Guid.NewGuid();
        var grain = grains.GetGrain<IIndexTaskGrain>(longTask);
        await OrleansTasks.Testing.ClusterFaults.GrainPlacement.ActivateOnAsync(grains, grain, second.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress,
            () => grain.Start(new StartIndexTask("alice", "admission", Documents.Generate(10000, wordsPerDocument: 200))));
        await Eventually.TrueAsync("alice's long task to be processing", async () => (await SnapshotAsync(grains, longTask)).Status == IndexTaskStatus.Processing, Deadline);
        var next = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => StartAsync(grains, "alice", TaskPriority.Normal, 50)));
        await Eventually.TrueAsync(async () => (await PositionsAsync(grains, next)).All(p => p is not null), Deadline,
            "alice's short tasks to wait for a slot");

        await second.StopAsync();
        var stopped = DateTimeOffset.UtcNow;
        var ended = await EndedAsync(grains, [longTask, .. next]);

        Assert.All(ended, t => Assert.Equal(IndexTaskStatus.Completed, t.Status));
        Assert.True(ended[0].FinishedAt > stopped, "the long task was still processing when its silo stopped");
        Assert.Equal(1, MostAtOnce(ended));
        Assert.All(ended.Skip(1), t => Assert.True(t.StartedAt >= ended[0].FinishedAt, "alice's next task started only after her handed-on task ended"));
    }

    [Fact]
    public async Task A_slot_freed_on_one_silo_goes_to_the_head_of_the_line_waiting_on_a_full_silo_which_moves_there_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = NewCluster();
        var settings = Settings(slots: 1);
        await using var first = await PostgresSilo.StartAsync(database, cluster, settings);
        await using var second = await PostgresSilo.StartAsync(database, cluster, settings);
        var grains = first.Client;
        var (onFirst, onSecond) = (SiloAddressOf(first), SiloAddressOf(second));
        await OrleansTasks.Testing.ClusterFaults.GrainPlacement.WaitUntilPlaceableAsync(grains, onSecond, Deadline);
        using var moves = new MoveCounter(first, second);

        // A long task holds each silo's slot; the head of the line waits on the first silo, a later low task on the second.
        var onFirstLong = await StartOnAsync(grains, onFirst, "alice", TaskPriority.Normal, 10000, words: 300);
        await Eventually.TrueAsync("the first silo's long task to be processing", async () => (await SnapshotAsync(grains, onFirstLong)).Status == IndexTaskStatus.Processing, Deadline);
        var onSecondLong = await StartOnAsync(grains, onSecond, "bob", TaskPriority.Normal, 10000, words: 300);
        await Eventually.TrueAsync("the second silo's long task to be processing", async () => (await SnapshotAsync(grains, onSecondLong)).Status == IndexTaskStatus.Processing, Deadline);
        var head = await StartOnAsync(grains, onFirst, "carol", TaskPriority.Normal, 1500);
        var local = await StartOnAsync(grains, onSecond, "dave", TaskPriority.Low, 50);
        List<int?> positions = [];
        await Eventually.TrueAsync(async () => (positions = await PositionsAsync(grains, [head, local])).SequenceEqual([1, 2]), Deadline,
            "the head of the line, on the first silo, and the low task on the second to wait at 1 and 2");

        // The second silo's slot frees: it goes to the head of the line, which moves there, not to the task waiting there.
        await CancelAsync(grains, onSecondLong, "user:bob");
        var freed = DateTimeOffset.UtcNow;
        await Eventually.TrueAsync("the head of the line to run on the second silo", async () =>
            (await SnapshotAsync(grains, head)).Status is IndexTaskStatus.Processing or IndexTaskStatus.Completed
                && await grains.GetGrain<IIndexTaskGrain>(head).GetHostingSilo() == onSecond.ToString(), TimeSpan.FromSeconds(30));
        var running = DateTimeOffset.UtcNow - freed;

        // It runs to its end where it moved, moved once: a later ask from its old silo moved it nowhere again.
        var headEnd = (await EndedAsync(grains, [head]))[0];
        var movesWhileItRan = moves.Count;
        var localRead = await SnapshotAsync(grains, local);
        await CancelAsync(grains, onFirstLong, "user:alice");

        Assert.Equal(IndexTaskStatus.Completed, headEnd.Status);
        Assert.Equal(1, movesWhileItRan);
        Assert.True(running < TimeSpan.FromSeconds(30), $"ran on the second silo {running.TotalSeconds:F1} s after its slot freed");
        Assert.True(localRead.StartedAt is null || localRead.StartedAt >= headEnd.FinishedAt, "the low task waiting on the second silo started only after the head of the line ended");
    }

    private static SiloAddress SiloAddressOf(PostgresSilo silo) => silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    private static async Task<Guid> StartOnAsync(IClusterClient grains, SiloAddress silo, string owner, TaskPriority priority, int documents, int words = 60)
    {
        var taskId = Guid.NewGuid();
        var grain = grains.GetGrain<IIndexTaskGrain>(taskId);
        await OrleansTasks.Testing.ClusterFaults.GrainPlacement.ActivateOnAsync(grains, grain, silo,
            () => grain.Start(new StartIndexTask(owner, "admission", Documents.Generate(documents, wordsPerDocument: words)) { Priority = priority }));
        return taskId;
    }

    /// <summary>Counts the tasks that moved to another silo's slot, on the given silos' own meters only.</summary>
    private sealed class MoveCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public MoveCounter(params PostgresSilo[] silos)
        {
            var meters = silos.Select(silo => (object)silo.Services.GetRequiredService<IMeterFactory>()).ToHashSet();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "orleans_tasks.tasks.moved" && instrument.Meter.Scope is { } scope && meters.Contains(scope))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private static string SiloOf(PostgresSilo silo) =>
        silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();

    [Fact]
    public async Task The_queue_keeps_its_order_across_a_restart_of_every_silo()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = NewCluster();
        var settings = Settings(slots: 1);
        Guid[] expected;
        List<int?> positionsBefore;
        await using (var silo = await PostgresSilo.StartAsync(database, cluster, settings))
        {
            var grains = silo.Client;
            var blocker = await StartAsync(grains, "alice", TaskPriority.Normal, 8000);
            await Eventually.TrueAsync(async () => (await SnapshotAsync(grains, blocker)).Status == IndexTaskStatus.Processing);
            var normal1 = await StartAsync(grains, "alice", TaskPriority.Normal, 50);
            var low = await StartAsync(grains, "bob", TaskPriority.Low, 50);
            var high = await StartAsync(grains, "bob", TaskPriority.High, 50);
            var normal2 = await StartAsync(grains, "alice", TaskPriority.Normal, 50);
            expected = [blocker, high, normal1, normal2, low];
            // The four ask for a slot as their first slice runs, after Start returned: wait until all have.
            positionsBefore = [];
            await Eventually.TrueAsync(async () => (positionsBefore = await PositionsAsync(grains, expected[1..])).SequenceEqual([1, 2, 3, 4]), Deadline,
                "the queued tasks' positions to settle at 1–4 in priority then arrival order before the restart");
        }

        // Nobody calls the tasks after the restart: their leases and the queue's reminder bring them back.
        await using var restarted = await PostgresSilo.StartAsync(database, cluster, settings);
        var ended = await EndedAsync(restarted.Client, expected);

        Assert.Equal([1, 2, 3, 4], positionsBefore);
        Assert.All(ended, t => Assert.Equal(IndexTaskStatus.Completed, t.Status));
        Assert.Equal(expected, ended.OrderBy(t => t.StartedAt).Select(t => t.TaskId));
        Assert.True(ended[0].StartedAt < ended[1].CreatedAt, "the blocker started before the restart");
    }
}
