namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>The columns of a report's tables: a side's figures, and the ratio of one side's figure to another's.</summary>
internal sealed record TableColumns<TRun>(
    IReadOnlyList<(string Name, Func<TRun, SideResult> Side)> Sides,
    IReadOnlyList<(string Name, Func<TRun, SideResult> Of, Func<TRun, SideResult> To)> Ratios);
