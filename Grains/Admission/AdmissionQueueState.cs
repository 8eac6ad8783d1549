namespace OrleansTasks.Admission;

/// <summary>The cluster's admission queue as stored: who waits, who holds a slot, and each silo's slots.</summary>
[GenerateSerializer, Alias("OrleansTasks.Admission.AdmissionQueueState")]
public sealed class AdmissionQueueState
{
    /// <summary>Tasks waiting for a slot.</summary>
    [Id(0)] public Dictionary<Guid, AdmissionPlace> Waiting { get; set; } = [];

    /// <summary>Tasks holding a slot, taken or only granted.</summary>
    [Id(1)] public Dictionary<Guid, AdmissionPlace> Running { get; set; } = [];

    /// <summary>The slots of each silo, as it last said (its <c>Tasks:MaxRunningPerSilo</c>).</summary>
    [Id(2)] public Dictionary<string, int> Slots { get; set; } = [];
}

/// <summary>One task in the queue, waiting or holding a slot.</summary>
[GenerateSerializer, Alias("OrleansTasks.Admission.AdmissionPlace")]
public sealed class AdmissionPlace
{
    [Id(0)] public required AdmissionTicket Ticket { get; set; }

    /// <summary>The silo of the task's activation when it last asked; for a running task, the silo whose slot it holds.</summary>
    [Id(1)] public required string Silo { get; set; }

    /// <summary>Running only: whether the task's silo has taken the slot (false while it is only granted).</summary>
    [Id(2)] public bool Taken { get; set; }

    /// <summary>Running: when the slot was granted. Waiting: when its silo was first found gone (default while it lives).</summary>
    [Id(3)] public DateTimeOffset Since { get; set; }

    /// <summary>Waiting on a silo that is gone: when the task was last woken to ask again from a live one.</summary>
    [Id(4)] public DateTimeOffset? WokenAt { get; set; }

    public Guid TaskId => Ticket.TaskId;
}
