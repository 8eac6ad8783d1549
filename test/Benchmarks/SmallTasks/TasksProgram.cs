using System.Diagnostics;
using System.Globalization;
using OrleansTasks.Benchmarks.Profiles;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// Many small tasks: OrleansTasks in cluster mode (one silo, then two) beside a Hangfire peer, on
/// one private PostgreSQL server, each side on a fresh database with a warm-up first.
/// Run: dotnet run -c Release --project test/Benchmarks -- tasks [--quick] [--tasks N] [--clients N] [--runs N] [--one-silo | --admission] [--statements]
/// </summary>
internal static class TasksProgram
{
    public static async Task<int> RunAsync(TasksPlan plan)
    {
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("tasks: PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return 1;
        }

        if (plan.Statements)
        {
            await StatementProfile.EnableAsync(postgres);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tasks: {plan.Tasks:N0} tasks of {TasksPlan.DocumentsPerTask} documents (~{SmallTaskDocuments.AverageBytes:N0} bytes each) from {plan.Clients} clients, " +
            $"after {plan.WarmupTasks} warm-up tasks; {plan.Runs} run(s); Hangfire: {HangfirePeer.Workers} workers, queue polled every {HangfirePeer.QueuePollInterval.TotalMilliseconds} ms"));
        if (plan.OneSiloOnly)
        {
            TasksReport.PrintOneSiloHeader();
            for (var number = 1; number <= plan.Runs; number++)
            {
                var loadBefore = LoadAverage.Read();
                var oneSilo = await TimedAsync(() => OrleansTasksSide.RunAsync(postgres, silos: 1, plan));
                TasksReport.PrintOneSilo(number, oneSilo, loadBefore, LoadAverage.Read());
            }

            return 0;
        }

        if (plan.Admission)
        {
            await RunWithAdmissionAsync(postgres, plan);
            return 0;
        }

        var runs = new List<TasksRun>();
        for (var number = 1; number <= plan.Runs; number++)
        {
            var oneSilo = await TimedAsync(() => OrleansTasksSide.RunAsync(postgres, silos: 1, plan));
            var twoSilos = await TimedAsync(() => OrleansTasksSide.RunAsync(postgres, silos: 2, plan));
            var hangfire = await TimedAsync(() => HangfireSide.RunAsync(postgres, plan));
            var run = new TasksRun(oneSilo, twoSilos, hangfire);
            runs.Add(run);
            TasksReport.PrintRun(number, run);
        }

        if (runs.Count > 1)
        {
            TasksReport.PrintSpread(runs);
        }

        return 0;
    }

    private static async Task RunWithAdmissionAsync(PostgresServer postgres, TasksPlan plan)
    {
        Console.WriteLine(AdmissionReport.Settings(plan.AdmissionSlots));
        var runs = new List<AdmissionRun>();
        for (var number = 1; number <= plan.Runs; number++)
        {
            var plain = await TimedAsync(() => OrleansTasksSide.RunAsync(postgres, silos: 2, plan, settings: AdmissionMix.PlainSettings(plan.AdmissionSlots)));
            var ruled = await TimedAsync(() => OrleansTasksSide.RunAsync(postgres, silos: 2, plan, admission: true, settings: AdmissionMix.SiloSettings(plan.AdmissionSlots)));
            var hangfire = await TimedAsync(() => HangfireSide.RunAsync(postgres, plan));
            var queues = await TimedAsync(() => HangfireSide.RunAsync(postgres, plan, priorityQueues: true));
            var run = new AdmissionRun(plain, ruled, hangfire, queues);
            runs.Add(run);
            AdmissionReport.PrintRun(number, run);
        }

        if (runs.Count > 1)
        {
            AdmissionReport.PrintSpread(runs);
        }
    }

    private static async Task<SideResult> TimedAsync(Func<Task<SideResult>> side)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await side();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Name}: {result.Completed:N0} completed at {result.TasksPerSecond:F1} tasks/s, {result.Errors} errors, {result.Lost} lost " +
            $"(the side took {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s with start-up and warm-up)"));
        return result;
    }
}
