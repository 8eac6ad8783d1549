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
/// count, the number of the last save) and pages of waiting tasks (<see cref="AdmissionPages"/>): a save
/// writes the index if it changed, then the pages it touched, a few at a time, so a write is bounded
/// whatever the backlog. A task coming to wait writes only its page; a grant writes only the index,
/// which wins over the page still listing the task as waiting; a task that leaves the index while a
/// row lists it is named ended in the index until that row is next written. Every row has its own
/// version, as the index has: a stale activation (a duplicate, or one whose write failed) is refused
/// at the first row another activation wrote since it read it. Empty pages at the end are dropped with
/// the index naming fewer pages first, then their rows cleared.
/// </summary>
[GrainType("admission-queue")]
public sealed partial class AdmissionQueueGrain(
    [PersistentState("admission", StorageNames.Tasks)] IPersistentState<AdmissionQueueState> state,
    IClusterMembershipService membership,
    DeepCopier copier,
    IOptions<TasksOptions> options,
    TimeProvider time,
    ILogger<AdmissionQueueGrain> logger) : Grain, IAdmissionQueueGrain, IRemindable
{
    private const string ReconcileReminder = "admission-reconcile";

    // Page reads and writes under way at once: a reconcile after a silo died can dirty every page,
    // and the storage pool is shared with every task.
    private const int PagesAtOnce = 4;

    private DurableState<AdmissionQueueState> _durable = null!;
    private AdmissionPageStore _store = null!;
    private AdmissionPages _pages = null!;
    private AdmissionLine _queue = null!;
    private AdmissionSilos _silos = null!;

    // Set while storage still holds the queue in the single row of an earlier build: its pages are
    // written before the index that no longer lists the waiting tasks.
    private bool _migrating;

    // The number of the last save, of the index or of a page.
    private long _saves;

    // The tasks the stored index lists holding a slot: the index written shares the queue's own dictionary.
    private HashSet<Guid> _heldInIndex = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _durable = new(state, copier, DeactivateOnIdle);
        _store = new AdmissionPageStore(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks));
        var index = _durable.Current;
        var stored = new AdmissionPage[index.Pages];
        foreach (var chunk in Enumerable.Range(0, index.Pages).Chunk(PagesAtOnce))
        {
            await Task.WhenAll(chunk.Select(async page => stored[page] = await _store.ReadAsync(page)));
        }

        var (queue, pages) = AdmissionPages.Load(index, stored);
        _pages = pages;
        _saves = pages.LastSave;
        _heldInIndex = [.. index.Running.Keys];
        var settings = AdmissionSettings.From(options.Value);
        _queue = new AdmissionLine(queue, settings, time);
        _silos = new AdmissionSilos(settings.GraceForGone, time);
        _migrating = index.Waiting.Count > 0;

        // Pages the load corrected (a task the index says holds a slot) are written now: left for a
        // later save, a crash after that save's index could bring a task that ended back as waiting.
        if (_migrating || _pages.Dirty.Count > 0)
        {
            await SaveAsync();
        }

        if (_migrating)
        {
            Migrated(logger, queue.Waiting.Count, _pages.Count);
        }
    }

    public async Task<ImmutableArray<AdmissionTicket>> Exchange(AdmissionExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
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

        // A task answered with a slot takes it: it is processing from then on.
        var admitted = exchange.Entering.Where(ticket => _queue.Enter(ticket, exchange.Silo)).Select(ticket => ticket with { Processing = true }).ToList();
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

        await SaveAsync();
        Wake(wake.Concat(granted.Where(p => p.Silo != exchange.Silo && p.MovingFrom is null).Select(p => p.TaskId)));
        Move(moves);
        return [.. admitted];
    }

    public Task<int?> Position(Guid taskId) => Task.FromResult(_queue.Position(taskId));

    public async Task Start()
    {
        var period = options.Value.LeasePeriod;
        await this.RegisterOrUpdateReminder(ReconcileReminder, period, period);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var (granted, wake, moves) = Grant(Live(null));
        await SaveAsync();
        Wake(wake.Concat(granted.Where(p => p.MovingFrom is null).Select(p => p.TaskId)));
        Move(moves);
    }

    private (IReadOnlyList<AdmissionPlace> Granted, IReadOnlyList<Guid> Wake, IReadOnlyList<AdmissionPlace> Moves) Grant(IReadOnlySet<string> live)
    {
        var wake = _queue.Reconcile(live);
        var granted = _queue.Admit(live);
        return (granted, wake, _queue.DueMoves());
    }

    /// <summary>The active silos, the caller, and silos that called lately which this silo does not see active yet (see <see cref="AdmissionSilos"/>).</summary>
    private HashSet<string> Live(string? caller) =>
        _silos.Live(membership.CurrentSnapshot.Members.Values.Select(member => (member.SiloAddress.ToParsableString(), member.Status)), caller);

    private async Task SaveAsync()
    {
        foreach (var taskId in _queue.ChangedWaiting)
        {
            _pages.Changed(taskId, _queue.State.Waiting.ContainsKey(taskId));
        }

        if (!_migrating)
        {
            _pages.Shrink();
        }

        var shrinking = _pages.Shrank;
        var save = _saves + 1;
        var named = _pages.Settle(
            taskId => _queue.State.Running.ContainsKey(taskId) || _queue.State.Waiting.ContainsKey(taskId), _heldInIndex.Contains, save);
        var index = _queue.IndexChanged || named || _pages.Grew || shrinking || _migrating;
        if (!index && _pages.Dirty.Count == 0)
        {
            _queue.Saved();
            return;
        }

        // The queue changes in place: a failed write retires this activation, and the next one
        // reads what storage holds. Migrating, the pages go before the index that stops listing
        // the waiting tasks itself.
        _saves = save;
        if (index && !_migrating)
        {
            await WriteIndexAsync(save, shrinking);
        }

        foreach (var chunk in _pages.Dirty.Chunk(PagesAtOnce))
        {
            await Task.WhenAll(chunk.Select(page => WriteRowAsync(() => _store.WriteAsync(page,
                new AdmissionPage { Places = [.. _pages.On(page).Select(taskId => _queue.State.Waiting[taskId])], Save = save }))));
        }

        // Left uncleared (a failed clear retires this activation), a dropped page's row is ignored: the index says so.
        foreach (var chunk in _pages.Dropped.Chunk(PagesAtOnce))
        {
            await Task.WhenAll(chunk.Select(page => WriteRowAsync(() => _store.ClearAsync(page))));
        }

        if (_migrating)
        {
            await WriteIndexAsync(save, shrinking: false);
            _migrating = false;
        }

        _queue.Saved();
        _pages.Saved();
    }

    private async Task WriteIndexAsync(long save, bool shrinking)
    {
        await _durable.WriteAsync(new AdmissionQueueState
        {
            Running = _queue.State.Running,
            Slots = _queue.State.Slots,
            Pages = _pages.Count,
            Saves = save,
            ShrunkTo = shrinking ? _pages.Count : _durable.Current.ShrunkTo,
            ShrunkAt = shrinking ? save : _durable.Current.ShrunkAt,
            Ended = new(_pages.Ended),
        });
        _heldInIndex = [.. _queue.State.Running.Keys];
    }

    /// <summary>Writes or clears a page's row, unless a failed write retired this activation; a failure retires it.</summary>
    private async Task WriteRowAsync(Func<Task> write)
    {
        if (_durable.IsRetired)
        {
            throw new InconsistentStateException("The admission queue's activation no longer trusts its state; it writes no page.");
        }

        try
        {
            await write();
        }
        catch
        {
            _durable.Retire();
            throw;
        }
    }

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

    [LoggerMessage(3, LogLevel.Debug, "Admission queue: told {Count} tasks to move to the silo of the slot they were granted")]
    private static partial void Moving(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Information, "Admission queue: moved {Count} waiting tasks from its single stored row onto {Pages} pages")]
    private static partial void Migrated(ILogger logger, int count, int pages);

    [LoggerMessage(1, LogLevel.Debug, "Admission queue: woke {Count} tasks to take their slot or ask again")]
    private static partial void Woken(ILogger logger, int count);
}
