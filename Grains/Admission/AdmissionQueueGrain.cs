using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Admission;

/// <summary>
/// Owns the <see cref="AdmissionLine"/>: applies each silo's exchange, grants free slots, stores
/// the queue before answering, wakes the tasks granted a slot on other silos, and tells those granted a
/// slot on another silo than the one they wait on to move there (<see cref="IIndexTaskWorker.MoveTo"/>). Its reminder
/// brings it back after its silo died, frees the slots of dead silos and hands them on.
/// The queue is stored as a small index row (the tasks holding slots, the silos' slots, the page
/// count, the number of the last save) and pages of waiting tasks (<see cref="AdmissionPages"/>),
/// written by <see cref="AdmissionSaves"/>: a task coming to wait is on its page before the answer; the
/// index, which every silo's calls restate for its own tasks, is written within a flush interval, by a
/// timer when no call comes, and as the activation deactivates. Loading an index written behind its
/// grants, the queue grants nothing until every live silo has called (see <see cref="AdmissionSilos.AwaitReports"/>).
/// </summary>
[GrainType("admission-queue")]
public sealed partial class AdmissionQueueGrain(
    [PersistentState("admission", StorageNames.Tasks)] IPersistentState<AdmissionQueueState> state,
    IClusterMembershipService membership,
    Hosting.ISiloStanding standing,
    DeepCopier copier,
    IOptions<TasksOptions> options,
    TimeProvider time,
    ILogger<AdmissionQueueGrain> logger) : Grain, IAdmissionQueueGrain, IRemindable
{
    private const string ReconcileReminder = "admission-reconcile";

    // Page reads under way at once: the storage pool is shared with every task.
    private const int PagesAtOnce = 4;

    private AdmissionLine _queue = null!;
    private AdmissionSilos _silos = null!;
    private AdmissionSaves _saves = null!;
    private DurableState<AdmissionQueueState> _durable = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Its first save fences off every earlier activation: woken past its declared death, a silo must not fence off the live queue.
        await standing.EnsureMemberAsync(cancellationToken);
        var durable = _durable = new DurableState<AdmissionQueueState>(state, copier, DeactivateOnIdle);
        var store = new AdmissionPageStore(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks));
        var index = durable.Current;
        var stored = new AdmissionPage[index.Pages];
        foreach (var chunk in Enumerable.Range(0, index.Pages).Chunk(PagesAtOnce))
        {
            await Task.WhenAll(chunk.Select(async page => stored[page] = await store.ReadAsync(page)));
        }

        var (queue, pages) = AdmissionPages.Load(index, stored);
        var settings = AdmissionSettings.From(options.Value);
        _queue = new AdmissionLine(queue, settings, time);
        _silos = new AdmissionSilos(settings.GraceForGone, time);
        if (index.Behind)
        {
            _silos.AwaitReports(settings.ReportWait);
        }

        _saves = new AdmissionSaves(_queue, pages, new AdmissionRowWriter(durable, store), index, time, settings.IndexFlush);
        var migrating = _saves.Migrating;
        _saves.Fence();
        await _saves.SaveAsync();
        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(settings.IndexFlush, settings.IndexFlush) { KeepAlive = false });
        if (migrating)
        {
            Migrated(logger, queue.Waiting.Count, pages.Count);
        }
    }

    public async Task<ImmutableArray<AdmissionTicket>> Exchange(AdmissionExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        RefuseIfRetired();
        _silos.Called(exchange.Silo);

        // Before the report, which no longer lists them held: their owners' places are kept, not their slots.
        var started = exchange.Started.ToHashSet();
        foreach (var taskId in exchange.Released)
        {
            _queue.Release(taskId, exchange.Silo, started.Contains(taskId));
        }

        _queue.Report(exchange.Silo, exchange.Slots, exchange.Holding, exchange.Resting, exchange.Requests());
        foreach (var taskId in exchange.Leaving)
        {
            _queue.Leave(taskId);
        }

        // A task answered with a slot takes it: it is processing from then on. Not a slot granted in a view not yet whole.
        var takeGrants = !_silos.Waiting || _silos.Whole(Live(exchange.Silo));
        var admitted = exchange.Entering.Where(ticket => _queue.Enter(ticket, exchange.Silo, takeGrants)).Select(ticket => ticket with { Processing = true }).ToList();
        var (granted, wake, moves) = Grant(Live(exchange.Silo));

        // A task granted a slot here to move to is not here yet: it takes the slot when it asks from here. One that
        // waited here may be gone: until the silo says it holds the slot (or hands it back), it is not known to be processing.
        var asking = exchange.Entering.Select(ticket => ticket.TaskId).ToHashSet();
        foreach (var place in granted.Where(p => p.Silo == exchange.Silo && p.MovingFrom is null))
        {
            place.Taken = true;
            if (asking.Contains(place.TaskId))
            {
                place.Ticket = place.Ticket with { Processing = true };
            }

            admitted.Add(place.Ticket);
        }

        await _saves.SaveAsync();
        Wake(wake.Concat(granted.Where(p => p.Silo != exchange.Silo && p.MovingFrom is null).Select(p => p.TaskId)));
        Move(moves);
        return [.. admitted];
    }

    public Task<int?> Position(Guid taskId) => Task.FromResult(_queue.Position(taskId));

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_saves is null || _durable.IsRetired)
        {
            return;
        }

        try
        {
            // The index as it is, and not behind unless the queue still waits for the silos' reports: the next activation trusts
            // an index not behind, and grants at once.
            await _saves.SaveAsync(flush: true, closing: !_silos.Waiting);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            ClosingSaveFailed(logger, exception);
        }
    }

    /// <summary>The timer: writes the index when it is behind and no call came to write it, and grants once the silos have reported.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_durable.IsRetired || !(_saves.IndexBehind || _silos.Waiting))
        {
            return;
        }

        var (granted, wake, moves) = Grant(Live(null));
        await _saves.SaveAsync(flush: true);
        Wake(wake.Concat(granted.Where(p => p.MovingFrom is null).Select(p => p.TaskId)));
        Move(moves);
    }

    public async Task Start()
    {
        var period = options.Value.LeasePeriod;
        await this.RegisterOrUpdateReminder(ReconcileReminder, period, period);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_durable.IsRetired)
        {
            return;
        }

        var (granted, wake, moves) = Grant(Live(null));
        await _saves.SaveAsync();
        Wake(wake.Concat(granted.Where(p => p.MovingFrom is null).Select(p => p.TaskId)));
        Move(moves);
    }

    private (IReadOnlyList<AdmissionPlace> Granted, IReadOnlyList<Guid> Wake, IReadOnlyList<AdmissionPlace> Moves) Grant(IReadOnlySet<string> live)
    {
        var wake = _queue.Reconcile(live);
        if (!_silos.Reported(live, out var gaveUp))
        {
            return ([], wake, []);
        }

        if (gaveUp)
        {
            // A silo holding or resting a task calls every wake interval: one silent for the whole wait holds nothing. The
            // slots the stored index lists held there (by tasks that ended in its last second) are freed as its call would.
            var silent = _silos.Silent(live);
            foreach (var silo in silent.Where(_queue.State.Slots.ContainsKey))
            {
                _queue.Report(silo, _queue.State.Slots[silo], [], []);
            }

            GaveUpOnReports(logger, string.Join(", ", silent));
        }

        var granted = _queue.Admit(live);
        return (granted, wake, _queue.DueMoves());
    }

    /// <summary>
    /// A write of this activation failed or was refused: another may own the queue. It answers nothing more (a call that
    /// writes no row would not find out), and is being deactivated; the silo's next call reaches the next activation.
    /// </summary>
    private void RefuseIfRetired()
    {
        if (_durable.IsRetired)
        {
            throw new InconsistentStateException("The admission queue's activation no longer trusts its state; the call goes to its next activation.");
        }
    }

    /// <summary>The active silos, the caller, and silos that called lately which this silo does not see active yet (see <see cref="AdmissionSilos"/>).</summary>
    private HashSet<string> Live(string? caller) =>
        _silos.Live(membership.CurrentSnapshot.Members.Values.Select(member => (member.SiloAddress.ToParsableString(), member.Status)), caller);

    private void Wake(IEnumerable<Guid> taskIds)
    {
        var count = 0;
        foreach (var taskId in taskIds)
        {
            GrainFactory.GetGrain<IIndexTaskWorker>(taskId).Wake().Ignore();
            count++;
        }

        if (count > 0)
        {
            Woken(logger, count);
        }
    }

    /// <summary>
    /// Tells each task granted a slot on another silo than the one it waits on to move there. The call names the
    /// silo; it sets no placement hint here, so nothing else this grain calls is placed by it.
    /// </summary>
    private void Move(IReadOnlyList<AdmissionPlace> moves)
    {
        foreach (var place in moves)
        {
            GrainFactory.GetGrain<IIndexTaskWorker>(place.TaskId).MoveTo(place.Silo).Ignore();
        }

        if (moves.Count > 0)
        {
            Moving(logger, moves.Count);
        }
    }

    [LoggerMessage(5, LogLevel.Information, "Admission queue: after it came back with its record of the slots behind, {Silos} did not call within the wait; taken to hold nothing (a silo holding a task calls every wake interval), it grants")]
    private static partial void GaveUpOnReports(ILogger logger, string silos);

    [LoggerMessage(4, LogLevel.Warning, "Admission queue: the index could not be written as the queue deactivated; the next activation waits for the silos' reports")]
    private static partial void ClosingSaveFailed(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Debug, "Admission queue: told {Count} tasks to move to the silo of the slot they were granted")]
    private static partial void Moving(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Information, "Admission queue: moved {Count} waiting tasks from its single stored row onto {Pages} pages")]
    private static partial void Migrated(ILogger logger, int count, int pages);

    [LoggerMessage(1, LogLevel.Debug, "Admission queue: woke {Count} tasks to take their slot or ask again")]
    private static partial void Woken(ILogger logger, int count);
}
