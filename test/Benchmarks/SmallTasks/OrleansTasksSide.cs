using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;
using OrleansTasks.Benchmarks.Profiles;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// OrleansTasks in cluster mode as deployed on one machine: a fresh PostgreSQL database, silo
/// processes and a client-mode gateway process with their shipped settings, driven over REST.
/// Completion is watched in the product's <c>task_history</c> table (one count every 250 ms); each
/// task's start and finish are then read from <c>GET /api/tasks/{id}</c> once the clock has stopped.
/// With <c>admission</c>, the silos limit each user's running tasks and the tasks come from several
/// users at several priorities (<see cref="AdmissionMix"/>).
/// </summary>
internal static class OrleansTasksSide
{
    private const string Measured = "m";
    private const string Warmup = "w";

    public static async Task<SideResult> RunAsync(PostgresServer postgres, int silos, TasksPlan plan, bool admission = false, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = DeployedPools.Of(await postgres.CreateDatabaseAsync());
        var databaseName = new NpgsqlConnectionStringBuilder(database).Database!;
        Submission<Guid?>[] submissions;
        RestSubmitter submitter;
        ConnectionPeak peak;
        SideProfile profile;
        TaskTiming[] timings;
        DatabaseWork workStart;
        await using (var cluster = await RunningCluster.StartAsync(database, silos, settings is null ? null : new Dictionary<string, string?>(settings)))
        {
            using var http = new HttpClient { BaseAddress = cluster.GatewayAddress, Timeout = TimeSpan.FromSeconds(100) };
            // With admission rules each submission carries its user's token; the reads afterwards are an admin's, who sees every user's tasks.
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admission ? TestTokens.For("benchmark", ["admin"]) : TestTokens.For("benchmark"));

            await SubmitAndWaitAsync(http, database, Warmup, plan.WarmupTasks, plan, admission);
            await Task.Delay(DatabaseWork.ReportingDelay);
            workStart = await DatabaseWork.ReadAsync(postgres.AdminConnectionString, databaseName);
            if (plan.Statements)
            {
                await StatementProfile.ResetAsync(postgres);
            }

            var profiler = new SideProfiler(
                new Dictionary<string, int[]>
                {
                    [SideProfile.Gateway] = [cluster.Gateway.ProcessId],
                    [SideProfile.Silos] = [.. cluster.Silos.Select(silo => silo.ProcessId)],
                },
                postgres.DataFolder);
            var sampler = ConnectionSampler.Start(postgres.AdminConnectionString, databaseName);
            (submissions, submitter) = await SubmitAndWaitAsync(http, database, Measured, plan.Tasks, plan, admission);
            profile = profiler.Stop();
            peak = await sampler.StopAsync();
            timings = await ReadTimingsAsync(http, submissions);
        }

        // The cluster's connections have closed, so their backends report their counts as they exit.
        await Task.Delay(DatabaseWork.ExitDelay);
        var work = (await DatabaseWork.ReadAsync(postgres.AdminConnectionString, databaseName)).Since(workStart);
        var name = (silos == 1 ? "OrleansTasks, 1 silo" : $"OrleansTasks, {silos} silos") + (admission ? ", admission rules" : "");
        if (plan.Statements)
        {
            await StatementProfile.PrintAsync(postgres, name, database, plan.Tasks, "task");
            await StatementProfile.PrintGrainWritesAsync(database, plan.Tasks + plan.WarmupTasks, "task");
        }

        return new SideResult(name, timings, Acceptance.Of(submissions),
            submitter.Errors, submitter.Refusals, peak, await CompletionWatch.CountDocumentRowsAsync(database, Measured), profile with { Work = work });
    }

    private static async Task<(Submission<Guid?>[] Submissions, RestSubmitter Submitter)> SubmitAndWaitAsync(
        HttpClient http, string database, string phase, int tasks, TasksPlan plan, bool admission)
    {
        var submitter = new RestSubmitter(http);
        var callers = AdmissionMix.Callers();
        var submitting = ConcurrentClients.RunAsync(tasks, plan.Clients, number => admission
            ? submitter.SubmitAsync(SmallTaskDocuments.Collection(phase, number), AdmissionMix.PriorityOf(number), callers[AdmissionMix.UserOf(number)])
            : submitter.SubmitAsync(SmallTaskDocuments.Collection(phase, number)));
        var accepted = CountAcceptedAsync(submitting);
        await CompletionWatch.WaitAsync(database, CountEndedSql(phase), accepted, plan.Stall);
        return (await submitting, submitter);
    }

    private static async Task<int> CountAcceptedAsync(Task<Submission<Guid?>[]> submitting) =>
        (await submitting).Count(submission => submission.Id is not null);

    private static string CountEndedSql(string phase) => string.Create(CultureInfo.InvariantCulture,
        $"SELECT count(*) FROM task_history WHERE collection LIKE '{phase}-%' AND status IN ({(short)IndexTaskStatus.Completed}, {(short)IndexTaskStatus.Failed}, {(short)IndexTaskStatus.Cancelled})");

    private static async Task<TaskTiming[]> ReadTimingsAsync(HttpClient http, Submission<Guid?>[] submissions)
    {
        var timings = new TaskTiming[submissions.Length];
        await Parallel.ForEachAsync(submissions, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (submission, cancel) =>
        {
            if (submission.Id is not { } id)
            {
                timings[submission.Number] = new TaskTiming(submission.Submitted, submission.Accepted, null, null, TaskEnd.Lost);
                return;
            }

            using var json = JsonDocument.Parse(await http.GetStringAsync($"/api/tasks/{id}", cancel));
            var task = json.RootElement;
            var end = task.GetProperty("status").GetString() switch
            {
                "completed" => TaskEnd.Completed,
                "failed" or "cancelled" => TaskEnd.Failed,
                _ => TaskEnd.Lost,
            };
            timings[submission.Number] = new TaskTiming(submission.Submitted, submission.Accepted, Time(task, "started_at"), Time(task, "finished_at"), end);
        });
        return timings;
    }

    private static DateTime? Time(JsonElement task, string name) =>
        task.GetProperty(name).GetString() is { } text
            ? DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)
            : null;
}
