using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime.Placement;
using OrleansTasks.Admission;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A silo's side of admission against a scripted queue: what it tells the queue when a task's activation
/// goes away unfinished, and what it does with a grant that reaches a task no longer waiting here.
/// </summary>
public sealed class TaskAdmissionTests : IDisposable
{
    private readonly ScriptedQueue _queue = new();
    private readonly ConcurrentQueue<Guid> _woken = new();

    // The placement hint each call from the silo's admission to the queue or to a task carried (null for none).
    private readonly ConcurrentQueue<object?> _hints = new();
    private readonly TaskAdmission _admission;

    public TaskAdmissionTests()
    {
        _queue.Hints = _hints;
        var silo = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);
        _admission = new TaskAdmission(Options.Create(new TasksOptions()), GrainFactoryProxy.Create(_queue, _woken, _hints), SiloDetailsProxy.Create(silo),
            TimeProvider.System, NullLogger<TaskAdmission>.Instance);
    }

    public void Dispose() => _admission.Dispose();

    private static AdmissionTicket Ticket(string owner = "alice") => new(Guid.NewGuid(), owner, TaskPriority.Normal, DateTimeOffset.UtcNow);

    /// <summary>
    /// A task waits here; the queue hears the next call (another task's), grants the waiter a slot here,
    /// and its answer is lost (the call timed out). Later calls get the waiter's grant again when they ask for it.
    /// </summary>
    private async Task<AdmissionTicket> GrantLostInATimedOutCallAsync()
    {
        var waiter = Ticket();
        _queue.Answer = _ => [];
        Assert.False(await _admission.TryEnterAsync(waiter));

        var other = Ticket("bob");
        var lost = 0;
        _queue.Answer = exchange => exchange.Entering.Contains(other) && Interlocked.Increment(ref lost) == 1
            ? throw new TimeoutException("The queue did not answer in time.")
            : [.. exchange.Entering.Where(t => t.TaskId == waiter.TaskId).Select(t => t with { Processing = true })];
        Assert.False(await _admission.TryEnterAsync(other));
        return waiter;
    }

    [Fact]
    public async Task A_holding_task_whose_activation_goes_away_unfinished_is_released_not_left()
    {
        var task = Ticket();
        _queue.Answer = exchange => [.. exchange.Entering];
        Assert.True(await _admission.TryEnterAsync(task));

        _admission.Release(task.TaskId);

        var sent = await _queue.NextAsync(e => e.Released.Contains(task.TaskId) || e.Leaving.Contains(task.TaskId), "the release to reach the queue");
        Assert.Equal([task.TaskId], sent.Released);
        Assert.Empty(sent.Leaving);
        Assert.Empty(sent.Holding);
        Assert.Equal(0, _admission.Running);
    }

    [Fact]
    public async Task A_draining_silo_tells_the_queue_at_once_that_it_has_no_slots_and_still_lists_the_tasks_it_runs()
    {
        var running = Ticket();
        _queue.Answer = exchange => [.. exchange.Entering];
        Assert.True(await _admission.TryEnterAsync(running));
        var before = await _queue.NextAsync(e => e.Holding.Contains(running) || e.Entering.Contains(running), "the task's request to reach the queue");

        _admission.Drain(_ => { });

        var drained = await _queue.NextAsync(e => e.Slots == 0, "a call saying the silo has no slots");
        Assert.Equal(new TasksOptions().MaxRunningPerSilo, before.Slots);
        Assert.Equal([running.TaskId], drained.Holding.Select(t => t.TaskId));
        Assert.Equal([running.TaskId], _admission.RunningHere());
        Assert.True(_admission.Draining);
    }

    /// <summary>The queue granted the slot before it heard of the drain: the task starts here, and the silo is told, to move it on.</summary>
    [Fact]
    public async Task A_task_granted_a_slot_here_while_the_silo_drains_is_named_as_it_starts()
    {
        var waiter = Ticket();
        _queue.Answer = _ => [];
        Assert.False(await _admission.TryEnterAsync(waiter));
        Assert.Equal([waiter.TaskId], _admission.WaitingHere());
        var started = new ConcurrentQueue<Guid>();
        _admission.Drain(started.Enqueue);

        var grants = 0;
        _queue.Answer = _ => Interlocked.Increment(ref grants) == 1 ? [waiter with { Processing = true }] : [];
        Assert.False(await _admission.TryEnterAsync(Ticket("bob")));

        await Eventually.TrueAsync(() => started.Contains(waiter.TaskId), TimeSpan.FromSeconds(10), "the drain to be told the waiter started here");
        Assert.Equal([waiter.TaskId], started);
        Assert.Contains(waiter.TaskId, _admission.RunningHere());
    }

    [Fact]
    public async Task A_grant_that_reaches_a_task_no_longer_waiting_here_is_handed_back_and_the_task_woken()
    {
        var gone = Ticket();
        _queue.Answer = _ => [];
        Assert.False(await _admission.TryEnterAsync(gone));

        // Its activation goes away while it waits (idle); the queue, not told, grants it a slot here.
        _admission.Release(gone.TaskId);
        var other = Ticket("bob");
        _queue.Answer = exchange => exchange.Entering.Contains(other) ? [gone] : [];
        Assert.False(await _admission.TryEnterAsync(other));

        var sent = await _queue.NextAsync(e => e.Released.Contains(gone.TaskId) || e.Holding.Contains(gone), "the grant to go back to the queue");
        Assert.Equal([gone.TaskId], sent.Released);
        Assert.DoesNotContain(gone, sent.Holding);
        Assert.Equal(0, _admission.Running);
        await Eventually.TrueAsync(() => _woken.Contains(gone.TaskId), TimeSpan.FromSeconds(10), "the task to be woken to ask again");
    }

    /// <summary>A waiter (answered: wait), then another task whose exchange brings the waiter's grant with its own.</summary>
    private async Task<(AdmissionTicket Waiter, AdmissionTicket Other)> GrantWhileWaitingAsync()
    {
        var waiter = Ticket();
        _queue.Answer = _ => [];
        Assert.False(await _admission.TryEnterAsync(waiter));

        // The queue made the grant not knowing whether the task is still here: its ticket does not say processing.
        var other = Ticket("bob");
        _queue.Answer = exchange => exchange.Entering.Contains(other) ? [waiter, other with { Processing = true }] : [];
        Assert.True(await _admission.TryEnterAsync(other));
        return (waiter, other);
    }

    [Fact]
    public async Task A_task_granted_a_slot_while_it_waited_here_holds_it_as_processing_and_the_next_call_says_so_without_one_of_its_own()
    {
        var (waiter, other) = await GrantWhileWaitingAsync();

        // No call of its own follows the grant. (That a call is not made can only be seen over time: a second is
        // far more than the silo takes to send one, which it would do at once.)
        await Eventually.TrueAsync(() => _woken.Contains(waiter.TaskId), TimeSpan.FromSeconds(10), "the waiter to be woken with its slot");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _queue.Received.Count);

        // The next call is the next task's request; it carries the slots held, both tasks processing.
        var next = Ticket("carol");
        Assert.False(await _admission.TryEnterAsync(next));
        var report = await _queue.NextAsync(e => e.Entering.Contains(next), "the next task's request to reach the queue");
        Assert.Equal([(waiter.TaskId, true), (other.TaskId, true)],
            report.Holding.Select(t => (t.TaskId, t.Processing)).OrderBy(t => t.TaskId == other.TaskId));
        Assert.Equal(2, _admission.Running);
    }

    [Fact]
    public async Task A_task_granted_while_it_waited_whose_activation_goes_away_before_a_call_said_it_held_is_released_as_started_and_never_said_held()
    {
        var (waiter, _) = await GrantWhileWaitingAsync();
        var before = _queue.Received.Count;

        // Before any call said it holds the slot. Said held after it left, the queue would take it back from the silo its next
        // activation asked from meanwhile, and grant that silo's slot again: the release says it started instead.
        _admission.Release(waiter.TaskId);

        var released = await _queue.NextAsync(e => e.Released.Contains(waiter.TaskId), "the release to reach the queue");
        Assert.Contains(waiter.TaskId, released.Started);
        Assert.DoesNotContain(_queue.Received.Skip(before), e => e.Holding.Any(t => t.TaskId == waiter.TaskId));
        Assert.Equal(1, _admission.Running);
    }

    [Fact]
    public async Task A_request_whose_call_failed_goes_again_with_the_next_call_and_a_grant_then_wakes_the_task()
    {
        var task = Ticket();
        var calls = 0;

        // The first call fails (the queue's silo died, or the call timed out); the queue grants the task a slot once it hears of it.
        _queue.Answer = exchange => Interlocked.Increment(ref calls) == 1
            ? throw new TimeoutException("The queue did not answer in time.")
            : exchange.Entering.Where(t => t.TaskId == task.TaskId).Select(t => t with { Processing = true }).ToImmutableArray();
        Assert.False(await _admission.TryEnterAsync(task));

        // Not left to the task's lease, which may be minutes away: the request goes again at once.
        await Eventually.TrueAsync(() => _queue.Received.Skip(1).Any(e => e.Entering.Contains(task)), TimeSpan.FromSeconds(10), "the request to go to the queue again");
        await Eventually.TrueAsync(() => _woken.Contains(task.TaskId), TimeSpan.FromSeconds(10), "the task granted its slot to be woken");
        Assert.Equal(1, _admission.Running);
        Assert.Equal(0, _admission.Queued);
        Assert.True(await _admission.TryEnterAsync(task));
    }

    [Fact]
    public async Task Successive_failed_calls_to_the_queue_come_further_apart_and_a_success_brings_the_first_wait_back()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var queue = new ScriptedQueue();
        using var admission = new TaskAdmission(Options.Create(new TasksOptions()), GrainFactoryProxy.Create(queue, _woken, _hints),
            SiloDetailsProxy.Create(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11112), 1)), time, NullLogger<TaskAdmission>.Instance);
        var calledAt = new ConcurrentQueue<DateTimeOffset>();
        var failing = true;
        queue.Answer = _ =>
        {
            calledAt.Enqueue(time.GetUtcNow());
            return Volatile.Read(ref failing) ? throw new TimeoutException("The queue did not answer in time.") : [];
        };

        // The queue's silo is gone: the waiting task's request goes again after each failed call, each wait longer.
        Assert.False(await admission.TryEnterAsync(Ticket()));
        await AdvanceUntilAsync(time, () => calledAt.Count >= 5, "five calls, each after a failed one but the first");
        Volatile.Write(ref failing, false);
        await AdvanceUntilAsync(time, () => calledAt.Count >= 6, "the call that the queue answers");

        // The queue answered; the next failed call (another task asks) waits the first wait again.
        Volatile.Write(ref failing, true);
        Assert.False(await admission.TryEnterAsync(Ticket("bob")));
        await AdvanceUntilAsync(time, () => calledAt.Count >= 8, "the call after the first failure since the queue answered");

        var at = calledAt.ToArray();
        var gaps = at.Zip(at.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToArray();
        Assert.InRange(gaps[0], 500, 1000);
        Assert.InRange(gaps[1], 1000, 2000);
        Assert.InRange(gaps[2], 2000, 4000);
        Assert.InRange(gaps[3], 4000, 6000);
        Assert.InRange(gaps[4], 4000, 6000);
        Assert.InRange(gaps[6], 500, 1000);
    }

    /// <summary>Moves the fake clock on 20 ms at a time, letting the exchange loop run between steps, until <paramref name="condition"/> holds.</summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition, string waitingFor)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Timed out after 30 s waiting for {waitingFor}.");
            }

            time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task A_resting_task_whose_wait_ended_asks_again_with_the_next_call_when_the_call_carrying_its_request_failed()
    {
        var task = Ticket() with { Processing = true };
        _admission.Rest(task);
        await _queue.NextAsync(e => e.Resting.Contains(task), "the rest to reach the queue");

        // Its retry wait ends: it asks for a slot. That call fails; the queue grants the slot once it hears the request.
        var failures = 0;
        _queue.Answer = exchange => !exchange.Entering.Contains(task) ? []
            : Interlocked.Increment(ref failures) == 1 ? throw new TimeoutException("The queue did not answer in time.")
            : [task];
        Assert.False(await _admission.TryEnterAsync(task));

        await Eventually.TrueAsync(() => _woken.Contains(task.TaskId), TimeSpan.FromSeconds(10), "the resting task's request to go again and its grant to wake it");
        Assert.Equal(1, _admission.Running);
    }

    [Fact]
    public async Task After_a_failed_call_every_task_waiting_here_asks_again_so_a_grant_made_in_that_call_is_not_lost()
    {
        var waiter = await GrantLostInATimedOutCallAsync();

        // The next call asks again for every task waiting here, not only for the ones the failed call carried.
        await Eventually.TrueAsync(() => _woken.Contains(waiter.TaskId), TimeSpan.FromSeconds(10), "the waiter to ask again and be woken with its slot");
        Assert.Equal(1, _admission.Running);
        Assert.Equal(1, _admission.Queued);
    }

    [Fact]
    public async Task A_task_whose_activation_goes_away_after_a_failed_call_asks_again_once_so_a_grant_made_in_that_call_comes_back_and_wakes_it()
    {
        var waiter = await GrantLostInATimedOutCallAsync();

        // The waiter's activation goes away before its request goes again. Not asked for, the grant would stand for no one,
        // and the task, no longer waiting in the queue, would wait for its lease: the request goes, the grant comes back.
        _admission.Release(waiter.TaskId);

        await _queue.NextAsync(e => e.Released.Contains(waiter.TaskId), "the grant to be handed back to the queue");
        await Eventually.TrueAsync(() => _woken.Contains(waiter.TaskId), TimeSpan.FromSeconds(10), "the waiter to be woken to ask again");
        Assert.Contains(_queue.Received.Skip(2), e => e.Entering.Contains(waiter));
        Assert.Equal(0, _admission.Running);
        Assert.Equal(1, _admission.Queued);
    }

    [Fact]
    public async Task A_task_that_rested_and_went_away_before_its_request_was_sent_asks_again_after_a_failed_call_when_it_comes_back()
    {
        // A call on its way holds the loop, so the next request waits to be sent.
        using var sent = new ManualResetEventSlim();
        var blocker = Ticket("bob");
        _queue.Answer = exchange => exchange.Entering.Contains(blocker) && !sent.Wait(TimeSpan.FromSeconds(10))
            ? throw new InvalidOperationException("The test did not let the first call go.")
            : [];
        var first = _admission.TryEnterAsync(blocker);
        await _queue.NextAsync(e => e.Entering.Contains(blocker), "the first call to reach the queue");

        // The task asks, begins to rest, and its activation goes away, all before its request was sent.
        var task = Ticket() with { Processing = true };
        var asking = _admission.TryEnterAsync(task);
        _admission.Rest(task);
        _admission.Release(task.TaskId);
        Assert.False(await asking);

        // It comes back and asks; that call fails, and the next one, carrying its request again, is granted.
        var failures = 0;
        _queue.Answer = exchange => !exchange.Entering.Contains(task) ? []
            : Interlocked.Increment(ref failures) == 1 ? throw new TimeoutException("The queue did not answer in time.")
            : [task];
        sent.Set();
        Assert.False(await first);
        Assert.False(await _admission.TryEnterAsync(task));

        await Eventually.TrueAsync(() => _woken.Contains(task.TaskId), TimeSpan.FromSeconds(10), "the request to go again and its grant to wake the task");
        Assert.Equal(1, _admission.Running);
    }

    [Fact]
    public async Task A_placement_hint_in_the_context_of_the_task_that_starts_an_exchange_is_carried_into_no_call_of_the_exchange()
    {
        var asking = Ticket();
        var unknown = Ticket("bob");
        _queue.Answer = exchange => exchange.Entering.Contains(asking) ? [asking, unknown] : [];
        var elsewhere = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 22222), 1);

        // A task's call with a placement hint in its context (a moved activation's first call) starts the exchange loop.
        Task<bool> entered;
        RequestContext.Set(IPlacementDirector.PlacementHintKey, elsewhere);
        try
        {
            entered = _admission.TryEnterAsync(asking);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }

        Assert.True(await entered);
        await _queue.NextAsync(e => e.Released.Contains(unknown.TaskId), "the grant of a task not here to go back to the queue");
        await Eventually.TrueAsync(() => _woken.Contains(unknown.TaskId), TimeSpan.FromSeconds(10), "the task handed back to be woken");

        Assert.True(_hints.Count >= 3, $"the exchanges and the wake were recorded ({_hints.Count} calls)");
        Assert.All(_hints, hint => Assert.Null(hint));
    }

    /// <summary>The queue grain: answers each exchange with <see cref="Answer"/> and keeps every exchange it was sent.</summary>
    internal sealed class ScriptedQueue : IAdmissionQueueGrain
    {
        private readonly ConcurrentQueue<AdmissionExchange> _received = new();

        public Func<AdmissionExchange, ImmutableArray<AdmissionTicket>> Answer { get; set; } = _ => [];

        public ConcurrentQueue<object?>? Hints { get; set; }

        public Task<ImmutableArray<AdmissionTicket>> Exchange(AdmissionExchange exchange)
        {
            Hints?.Enqueue(RequestContext.Get(IPlacementDirector.PlacementHintKey));
            _received.Enqueue(exchange);
            try
            {
                return Task.FromResult(Answer(exchange));
            }
            catch (TimeoutException exception)
            {
                return Task.FromException<ImmutableArray<AdmissionTicket>>(exception);
            }
        }

        public Task<int?> Position(Guid taskId) => Task.FromResult<int?>(null);

        public IReadOnlyCollection<AdmissionExchange> Received => _received;

        public Task Start() => Task.CompletedTask;

        /// <summary>The first exchange received, from the start of the test, that matches.</summary>
        public async Task<AdmissionExchange> NextAsync(Func<AdmissionExchange, bool> match, string waitingFor)
        {
            await Eventually.TrueAsync(() => _received.Any(match), TimeSpan.FromSeconds(10), waitingFor);
            return _received.First(match);
        }
    }

    private sealed class Worker(Guid taskId, ConcurrentQueue<Guid> woken, ConcurrentQueue<object?> hints) : IIndexTaskWorker
    {
        public Task Wake()
        {
            hints.Enqueue(RequestContext.Get(IPlacementDirector.PlacementHintKey));
            woken.Enqueue(taskId);
            return Task.CompletedTask;
        }

        public Task MoveTo(string silo) => throw new NotSupportedException();

        public Task<bool> Purge() => throw new NotSupportedException();

        public Task RunSlice(long token) => throw new NotSupportedException();

        public Task<IndexTaskSnapshot?> AddDependant(Guid dependant) => throw new NotSupportedException();

        public Task Acknowledge(GrainId follower) => throw new NotSupportedException();
    }

    /// <summary>A grain factory that knows the queue (key 0) and task workers, which record their wakes.</summary>
    public class GrainFactoryProxy : DispatchProxy
    {
        private ScriptedQueue _queue = null!;
        private ConcurrentQueue<Guid> _woken = null!;
        private ConcurrentQueue<object?> _hints = null!;

        internal static IGrainFactory Create(ScriptedQueue queue, ConcurrentQueue<Guid> woken, ConcurrentQueue<object?> hints)
        {
            var proxy = Create<IGrainFactory, GrainFactoryProxy>();
            var self = (GrainFactoryProxy)(object)proxy;
            (self._queue, self._woken, self._hints) = (queue, woken, hints);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            var type = targetMethod.IsGenericMethod ? targetMethod.GetGenericArguments()[0] : null;
            return (targetMethod.Name, type, args?.FirstOrDefault()) switch
            {
                ("GetGrain", { } t, _) when t == typeof(IAdmissionQueueGrain) => _queue,
                ("GetGrain", { } t, Guid id) when t == typeof(IIndexTaskWorker) => new Worker(id, _woken, _hints),
                _ => throw new NotSupportedException(targetMethod.ToString()),
            };
        }
    }

    /// <summary>The local silo's details: only its address is asked for.</summary>
    public class SiloDetailsProxy : DispatchProxy
    {
        private SiloAddress _address = null!;

        internal static ILocalSiloDetails Create(SiloAddress address)
        {
            var proxy = Create<ILocalSiloDetails, SiloDetailsProxy>();
            ((SiloDetailsProxy)(object)proxy)._address = address;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == "get_" + nameof(ILocalSiloDetails.SiloAddress) ? _address : throw new NotSupportedException(targetMethod?.ToString());
    }
}
