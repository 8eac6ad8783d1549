namespace OrleansTasks.Admission;

/// <summary>
/// The cluster's admission queue: who waits, who holds a slot, and each silo's slots. Stored, it is
/// the queue's index row: the waiting tasks are on <see cref="AdmissionPages"/> of their own, and
/// <see cref="Waiting"/> is stored empty (a build that kept the whole queue in this row filled it).
/// </summary>
[GenerateSerializer, Alias("OrleansTasks.Admission.AdmissionQueueState")]
public sealed class AdmissionQueueState
{
    /// <summary>Tasks waiting for a slot (in memory; stored only by the single-row build).</summary>
    [Id(0)] public Dictionary<Guid, AdmissionPlace> Waiting { get; set; } = [];

    /// <summary>Tasks holding a slot, taken or only granted, and tasks resting in a retry wait (<see cref="AdmissionPlace.Resting"/>).</summary>
    [Id(1)] public Dictionary<Guid, AdmissionPlace> Running { get; set; } = [];

    /// <summary>The slots of each silo, as it last said (its <c>Tasks:MaxRunningPerSilo</c>).</summary>
    [Id(2)] public Dictionary<string, int> Slots { get; set; } = [];

    /// <summary>Stored: how many pages of waiting tasks there are (0 from the single-row build).</summary>
    [Id(3)] public int Pages { get; set; }

    /// <summary>
    /// Stored: the number of the last save that wrote the index. Every save is numbered, also one that writes only
    /// pages, and each page written in a save carries its number: an activation numbers on from the highest it reads.
    /// </summary>
    [Id(4)] public long Saves { get; set; }

    /// <summary>Stored: the page count the last save that dropped empty pages left (see <see cref="ShrunkAt"/>).</summary>
    [Id(5)] public int ShrunkTo { get; set; }

    /// <summary>
    /// Stored: the number of that save. A row of a page at or past <see cref="ShrunkTo"/> written no later is
    /// left from before the drop (a page opened again whose first write did not happen): it lists nobody.
    /// </summary>
    [Id(6)] public long ShrunkAt { get; set; }

    /// <summary>
    /// Stored: tasks that left the queue while a page's row still lists them (a grant writes no page), each with the
    /// number of the save they left in: a row written no later does not list them (see <see cref="AdmissionPages"/>).
    /// </summary>
    [Id(7)] public Dictionary<Guid, long> Ended { get; set; } = [];

    /// <summary>
    /// Stored: the activation that wrote the index may have granted, taken back or freed slots since (it writes the
    /// index at most once per flush interval); false when it wrote it as it deactivated, and from builds that wrote the
    /// index with every change. An activation loading an index that is behind grants nothing until the silos said
    /// what they hold (see <see cref="AdmissionSilos"/>).
    /// </summary>
    [Id(8)] public bool Behind { get; set; }
}

/// <summary>One stored page of waiting tasks (see <see cref="AdmissionPages"/>).</summary>
[GenerateSerializer, Alias("OrleansTasks.Admission.AdmissionPage")]
public sealed class AdmissionPage
{
    [Id(0)] public List<AdmissionPlace> Places { get; set; } = [];

    /// <summary>The index's <see cref="AdmissionQueueState.Saves"/> of the save that wrote the page: of two copies of a task, the later is the true one.</summary>
    [Id(1)] public long Save { get; set; }
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

    /// <summary>Running: when the slot was granted. Waiting or resting: when its silo was first found gone (default while it lives).</summary>
    [Id(3)] public DateTimeOffset Since { get; set; }

    /// <summary>Waiting or resting on a silo that is gone: when the task was last woken to ask again from a live one.</summary>
    [Id(4)] public DateTimeOffset? WokenAt { get; set; }

    /// <summary>
    /// Running only: the task waits to retry a slice. It counts toward its owner's limit but holds no slot of
    /// its silo (earlier builds never set it: their tasks left the queue for the wait).
    /// </summary>
    [Id(5)] public bool Resting { get; set; }

    /// <summary>
    /// Running only, while a move is pending: the silo the task waits on, its own full, while its activation is
    /// moved to <see cref="Silo"/>, whose slot it was granted. Cleared when the task takes the slot there.
    /// </summary>
    [Id(6)] public string? MovingFrom { get; set; }

    /// <summary>Running, a move pending: how many times the queue has told the task to move (at most twice).</summary>
    [Id(7)] public int MoveSends { get; set; }

    /// <summary>Running, a move pending: when the queue last told the task to move.</summary>
    [Id(8)] public DateTimeOffset MoveSentAt { get; set; }

    /// <summary>Waiting only: when a move of the task last did not happen; it is not moved again for the grace after it.</summary>
    [Id(9)] public DateTimeOffset? MoveFailedAt { get; set; }

    public Guid TaskId => Ticket.TaskId;
}
