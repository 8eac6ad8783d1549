namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>One run of the scenario: OrleansTasks with one silo, then two, then the Hangfire peer, on the same PostgreSQL server.</summary>
internal sealed record TasksRun(SideResult OneSilo, SideResult TwoSilos, SideResult Hangfire)
{
    public IReadOnlyList<SideResult> Sides => [OneSilo, TwoSilos, Hangfire];

    public double RatioToHangfire(SideResult side) => side.TasksPerSecond / Hangfire.TasksPerSecond;

    public bool FastEnough => RatioToHangfire(TwoSilos) >= 2;

    public int OrleansTasksErrors => OneSilo.Errors + TwoSilos.Errors;

    public int OrleansTasksLost => OneSilo.Lost + TwoSilos.Lost;

    public bool TwoSilosFaster => TwoSilos.TasksPerSecond > OneSilo.TasksPerSecond;

    public bool GoalMet => FastEnough && OrleansTasksErrors == 0 && OrleansTasksLost == 0 && TwoSilosFaster;
}
