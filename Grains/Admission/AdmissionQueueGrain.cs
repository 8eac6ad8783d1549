using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Admission;

/// <summary>
/// Owns the <see cref="AdmissionLine"/>: applies each silo's exchange, grants free slots, stores
/// the queue before answering, and wakes the tasks granted a slot on other silos. Its reminder
/// brings it back after its silo died, frees the slots of dead silos and hands them on.
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
    private AdmissionLine _queue = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _durable = new(state, copier, DeactivateOnIdle);
        _queue = new AdmissionLine(_durable.Current, AdmissionSettings.From(options.Value), time);
        return Task.CompletedTask;
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
        if (_queue.Changed)
        {
            // The queue changes in place: a failed write retires this activation, and the next one
            // reads what storage holds.
            await _durable.WriteAsync(_durable.Current);
            _queue.Saved();
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

    [LoggerMessage(1, LogLevel.Debug, "Admission queue: woke {Count} tasks to take their slot or ask again")]
    private static partial void Woken(ILogger logger, int count);
}
