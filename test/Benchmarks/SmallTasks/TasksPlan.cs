using System.Globalization;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// How much work the <c>tasks</c> scenario offers: tasks of ten ~1 KB documents from concurrent
/// clients, after a warm-up that is not measured, repeated for the spread.
/// </summary>
internal sealed record TasksPlan(int Tasks, int Clients, int WarmupTasks, int Runs, TimeSpan Stall, bool OneSiloOnly, bool Admission, bool Statements, int AdmissionSlots)
{
    public const int DocumentsPerTask = 10;

    public static TasksPlan From(string[] options)
    {
        string? Option(string name) => options.SkipWhile(option => option != name).Skip(1).FirstOrDefault();
        int? Number(string name) => Option(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;
        var quick = options.Contains("--quick");
        return new TasksPlan(
            Tasks: Number("--tasks") ?? (quick ? 500 : 10_000),
            Clients: Number("--clients") ?? 50,
            // Tasks run before the measured phase on each side, not measured. A fresh .NET process
            // compiles its hot code through its first minute or so under this load: 6,000 tasks
            // outlast most of it here, so the full run measures the sides as they run for days
            // (BENCHMARKS.md, "Compilation and the queues' polling").
            WarmupTasks: Number("--warmup") ?? (quick ? 50 : 6_000),
            Runs: Number("--runs") ?? 1,

            // A side that completes nothing more for this long after its last submission has lost the rest.
            Stall: TimeSpan.FromSeconds(quick ? 20 : 60),

            // Only the one-silo side, to compare two builds of the product run after run.
            OneSiloOnly: options.Contains("--one-silo"),

            // Two silos without and with admission rules (AdmissionMix), beside Hangfire without and with priority queues.
            Admission: options.Contains("--admission"),

            // Each OrleansTasks side's costliest statements per task (pg_stat_statements), from the measured phase.
            Statements: options.Contains("--statements"),

            // The slots a silo of both OrleansTasks sides of --admission (AdmissionMix.DefaultSlots unless set).
            AdmissionSlots: Number("--slots") ?? AdmissionMix.DefaultSlots);
    }
}
