using System.Globalization;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// What an added-latency round (<see cref="SlowDatabase.LatencyAsync"/>) must show beyond the tasks'
/// promises: the tasks slowed by 1 s of latency, kept at least <see cref="At200Milliseconds"/> and
/// <see cref="AtOneSecond"/> documents/s together, and said the database was slow in each step and
/// not before. One definition for <c>SlowDatabaseTests</c> and the faults program. The floors leave
/// room for a loaded machine (README "Faults: a paused silo and a slow database"), where slices sized
/// by their whole time, round trips included, managed 5–14 documents/s at 200 ms and 0–1 at 1 s.
/// </summary>
public static class LatencyFloors
{
    public const double At200Milliseconds = 50;

    public const double AtOneSecond = 10;

    /// <summary>What <paramref name="outcome"/> fell short of, one line each; empty when it met them all.</summary>
    public static List<string> Shortfalls(SlowDatabaseOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Rates is not [var none, var at200, var at1000])
        {
            return [$"the round measured {outcome.Rates.Count} phase(s), not none, 200 ms and 1 s"];
        }

        var shortfalls = new List<string>();
        if (at1000.DocumentsPerSecond >= none.DocumentsPerSecond)
        {
            shortfalls.Add("1 s of latency did not slow the tasks: the fault did not take");
        }

        if (at200.DocumentsPerSecond < At200Milliseconds)
        {
            shortfalls.Add(string.Create(CultureInfo.InvariantCulture, $"{at200.DocumentsPerSecond:F0} documents/s at 200 ms of latency, below the floor of {At200Milliseconds}"));
        }

        if (at1000.DocumentsPerSecond < AtOneSecond)
        {
            shortfalls.Add(string.Create(CultureInfo.InvariantCulture, $"{at1000.DocumentsPerSecond:F0} documents/s at 1 s of latency, below the floor of {AtOneSecond}"));
        }

        if (at200.TasksSayingSlow == 0 || at1000.TasksSayingSlow == 0)
        {
            shortfalls.Add("no task said the database was slow in a step while it was");
        }

        if (none.TasksSayingSlow > 0)
        {
            shortfalls.Add("a task said the database was slow before it was");
        }

        return shortfalls;
    }
}
