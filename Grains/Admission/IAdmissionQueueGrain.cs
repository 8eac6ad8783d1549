using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansTasks.Admission;

/// <summary>
/// The cluster's admission queue (key 0): which pending tasks hold the slots. Silos talk to it
/// through their <see cref="Tasks.TaskAdmission"/>, each call carrying everything the silo has to
/// say since its last one.
/// </summary>
[Alias("OrleansTasks.Admission.IAdmissionQueueGrain")]
public interface IAdmissionQueueGrain : IGrainWithIntegerKey
{
    /// <summary>Applies a silo's report, leaves and requests; returns the tasks of that silo that now hold a slot.</summary>
    [Alias("Exchange")]
    Task<ImmutableArray<AdmissionTicket>> Exchange(AdmissionExchange exchange);

    /// <summary>The task's place in the order the waiting tasks would start in (see <see cref="AdmissionLine.Position"/>); null unless it waits for a slot.</summary>
    [ReadOnly, Alias("Position")]
    Task<int?> Position(Guid taskId);

    /// <summary>Makes sure the queue's reminder is registered; every silo calls it at start.</summary>
    [Alias("Start")]
    Task Start();
}

/// <summary>What one silo tells the queue in one call.</summary>
/// <param name="Silo">The silo's address.</param>
/// <param name="Slots">Its <c>Tasks:MaxRunningPerSilo</c>.</param>
/// <param name="Holding">The tasks holding its slots now.</param>
/// <param name="Entering">Tasks on it asking for a slot.</param>
/// <param name="Leaving">Tasks that ended since its last call.</param>
[GenerateSerializer, Immutable, Alias("OrleansTasks.Admission.AdmissionExchange")]
public sealed record AdmissionExchange(
    [property: Id(0)] string Silo,
    [property: Id(1)] int Slots,
    [property: Id(2)] ImmutableArray<AdmissionTicket> Holding,
    [property: Id(3)] ImmutableArray<AdmissionTicket> Entering,
    [property: Id(4)] ImmutableArray<Guid> Leaving)
{
    /// <summary>
    /// Tasks on the silo waiting to retry a slice: they keep their owner's place, not a slot. Empty from a silo
    /// of an earlier build, whose tasks leave the queue for the wait (a queue of that build ignores it likewise).
    /// </summary>
    public ImmutableArray<AdmissionTicket> Resting
    {
        get => _resting.IsDefault ? [] : _resting;
        init => _resting = value;
    }

    /// <summary>
    /// Tasks whose activation on the silo went away before they ended, or that a grant reached gone: they keep
    /// their owner's place, not the silo's slot (see <see cref="AdmissionLine.Release"/>). Empty from a silo of
    /// an earlier build, which lists them in <see cref="Leaving"/>; a queue of that build ignores it, and frees
    /// their slots as no longer reported held.
    /// </summary>
    public ImmutableArray<Guid> Released
    {
        get => _released.IsDefault ? [] : _released;
        init => _released = value;
    }

    /// <summary>
    /// Of <see cref="Released"/>, the tasks granted a slot while they waited on the silo that took it, which no call
    /// had said held: they started, and keep their owner's place (see <see cref="AdmissionLine.Release"/>). Empty
    /// from a silo of an earlier build, which said such a task held at once; a queue of that build ignores it, and
    /// takes the release for a grant never taken (it keeps the slot for the grace, not the owner's place).
    /// </summary>
    public ImmutableArray<Guid> Started
    {
        get => _started.IsDefault ? [] : _started;
        init => _started = value;
    }

    /// <summary>The tasks asking for a slot in this call.</summary>
    public IReadOnlySet<Guid> Requests() => Entering.Select(ticket => ticket.TaskId).ToHashSet();

    // The stored fields, default (read as empty) in a payload without them.
    [Id(5)]
    private readonly ImmutableArray<AdmissionTicket> _resting;

    [Id(6)]
    private readonly ImmutableArray<Guid> _released;

    [Id(7)]
    private readonly ImmutableArray<Guid> _started;
}
