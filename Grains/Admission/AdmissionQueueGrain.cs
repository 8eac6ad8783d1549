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
/// the queue before answering, and wakes the tasks granted a slot on other silos. Its reminder
/// brings it back after its silo died, frees the slots of dead silos and hands them on.
/// The queue is stored as a small index row (the tasks holding slots, the silos' slots, the page
/// count) and pages of waiting tasks (<see cref="AdmissionPages"/>): a change writes the index if it
/// changed, then the pages it touched, so a write is bounded whatever the backlog. The index goes
/// first: a grant stored in the index wins over a page still listing the task as waiting.
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

    private DurableState<AdmissionQueueState> _durable = null!;
    private AdmissionPageStore _store = null!;
    private AdmissionPages _pages = null!;
    private AdmissionLine _queue = null!;

    // Set while storage still holds the queue in the single row of an earlier build: its pages are
    // written before the index that no longer lists the waiting tasks.
    private bool _migrating;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _durable = new(state, copier, DeactivateOnIdle);
        _store = new AdmissionPageStore(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks));
        var index = _durable.Current;
        var stored = new List<IReadOnlyList<AdmissionPlace>>(index.Pages);
        for (var page = 0; page < index.Pages; page++)
        {
            stored.Add(await _store.ReadAsync(page));
        }

        var (queue, pages) = AdmissionPages.Load(index, stored);
        _pages = pages;
        _queue = new AdmissionLine(queue, AdmissionSettings.From(options.Value), time);
        _migrating = index.Waiting.Count > 0;
        if (_migrating)
        {
            await SaveAsync();
            Migrated(logger, queue.Waiting.Count, _pages.Count);
        }
    }

    public async Task<ImmutableArray<AdmissionTicket>> Exchange(AdmissionExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        _queue.Report(exchange.Silo, exchange.Slots, exchange.Holding);
        foreach (var taskId in exchange.Leaving)
        {
            _queue.Leave(taskId);
        }

        var admitted = exchange.Entering.Where(ticket => _queue.Enter(ticket, exchange.Silo)).ToList();
        var (granted, wake) = Grant(Live(exchange.Silo));
        foreach (var place in granted.Where(p => p.Silo == exchange.Silo))
        {
            place.Taken = true;
            admitted.Add(place.Ticket);
        }

        await SaveAsync();
        Wake(wake.Concat(granted.Where(p => p.Silo != exchange.Silo).Select(p => p.TaskId)));
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
        var (granted, wake) = Grant(Live(null));
        await SaveAsync();
        Wake(wake.Concat(granted.Select(p => p.TaskId)));
    }

    private (IReadOnlyList<AdmissionPlace> Granted, IReadOnlyList<Guid> Wake) Grant(IReadOnlySet<string> live)
    {
        var wake = _queue.Reconcile(live);
        return (_queue.Admit(live), wake);
    }

    /// <summary>The active silos, and the caller, which is alive even if this silo has not heard of it yet.</summary>
    private HashSet<string> Live(string? caller)
    {
        var live = membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active)
            .Select(member => member.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        if (caller is not null)
        {
            live.Add(caller);
        }

        return live;
    }

    private async Task SaveAsync()
    {
        foreach (var taskId in _queue.ChangedWaiting)
        {
            _pages.Changed(taskId, _queue.State.Waiting.ContainsKey(taskId));
        }

        // The queue changes in place: a failed write retires this activation, and the next one
        // reads what storage holds.
        var writeIndex = _queue.IndexChanged || _pages.Grew || _migrating;
        if (writeIndex && !_migrating)
        {
            await WriteIndexAsync();
        }

        await Task.WhenAll(_pages.Dirty.Select(WritePageAsync));
        if (writeIndex && _migrating)
        {
            await WriteIndexAsync();
            _migrating = false;
        }

        _queue.Saved();
        _pages.Saved();
    }

    private Task WriteIndexAsync() => _durable.WriteAsync(new AdmissionQueueState
    {
        Running = _queue.State.Running,
        Slots = _queue.State.Slots,
        Pages = _pages.Count,
    });

    private async Task WritePageAsync(int page)
    {
        try
        {
            await _store.WriteAsync(page, [.. _pages.On(page).Select(taskId => _queue.State.Waiting[taskId])]);
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

    [LoggerMessage(2, LogLevel.Information, "Admission queue: moved {Count} waiting tasks from its single stored row onto {Pages} pages")]
    private static partial void Migrated(ILogger logger, int count, int pages);

    [LoggerMessage(1, LogLevel.Debug, "Admission queue: woke {Count} tasks to take their slot or ask again")]
    private static partial void Woken(ILogger logger, int count);
}
