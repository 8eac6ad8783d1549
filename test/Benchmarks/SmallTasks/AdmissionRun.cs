namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// One run of the scenario with admission rules: OrleansTasks on two silos as shipped, then with a
/// per-user limit and priorities (<see cref="AdmissionMix"/>), then the Hangfire peer with one queue,
/// then with a queue per priority; all on the same PostgreSQL server.
/// </summary>
internal sealed record AdmissionRun(SideResult Plain, SideResult Ruled, SideResult Hangfire, SideResult HangfireQueues)
{
    /// <summary>What the rules did on each side: the plain sides' tasks all count as normal.</summary>
    public IReadOnlyList<(SideResult Side, RulesHeld Rules)> Rules =>
    [
        (Plain, RulesHeld.Of(Plain, _ => TaskPriority.Normal)),
        (Ruled, RulesHeld.Of(Ruled, AdmissionMix.PriorityOf)),
        (Hangfire, RulesHeld.Of(Hangfire, _ => TaskPriority.Normal)),
        (HangfireQueues, RulesHeld.Of(HangfireQueues, AdmissionMix.PriorityOf)),
    ];
}
