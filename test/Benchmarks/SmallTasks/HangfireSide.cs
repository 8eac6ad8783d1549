using System.Globalization;
using Hangfire;
using Npgsql;
using OrleansTasks.Storage.Schema;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// The Hangfire peer on the same PostgreSQL server, in a database of its own holding Hangfire's
/// schema and the product's <c>documents</c> table: its server in a process of its own, its
/// clients (Hangfire's <see cref="BackgroundJobClient"/>, which writes the job straight to the
/// storage; Hangfire has no gateway) in this one. Completion is watched in <c>hangfire.job</c> (one
/// count every 250 ms); start and finish are the times of the jobs' Processing and Succeeded
/// states in <c>hangfire.state</c>. With <c>priorityQueues</c>, each job goes into the queue of its
/// priority (<see cref="AdmissionMix"/>) and the server serves those queues, highest first.
/// </summary>
internal static class HangfireSide
{
    private const int MaxErrorsPerJob = 5;

    public static async Task<SideResult> RunAsync(PostgresServer postgres, TasksPlan plan, bool priorityQueues = false)
    {
        var database = DeployedPools.Of(await postgres.CreateDatabaseAsync(migrate: false));
        var databaseName = new NpgsqlConnectionStringBuilder(database).Database!;
        await CreateDocumentsTableAsync(database);
        HangfirePeer.ConfigureSerialization();
        var storage = HangfirePeer.Storage(database);
        Submission<long?>[] submissions;
        int errors;
        ConnectionPeak peak;
        SideProfile profile;
        DatabaseWork workStart;
        long after;
        await using (var server = ProcessHost.Start("hangfire", "OrleansTasks.Benchmarks.dll",
            new Dictionary<string, string?>
            {
                [HangfirePeerServer.DatabaseVariable] = database,
                [HangfirePeerServer.QueuesVariable] = priorityQueues ? string.Join(',', AdmissionMix.Queues) : null,
            },
            HangfirePeerServer.Mode))
        {
            await WaitForServerAsync(database, server);
            var client = new BackgroundJobClient(storage);

            await SubmitAndWaitAsync(client, database, "w", plan.WarmupTasks, plan, priorityQueues, after: 0);
            after = await ScalarAsync(database, "SELECT coalesce(max(id), 0) FROM hangfire.job");
            await Task.Delay(DatabaseWork.ReportingDelay);
            workStart = await DatabaseWork.ReadAsync(postgres.AdminConnectionString, databaseName);

            var profiler = new SideProfiler(new Dictionary<string, int[]> { [SideProfile.HangfireServer] = [server.ProcessId] }, postgres.DataFolder);
            var sampler = ConnectionSampler.Start(postgres.AdminConnectionString, databaseName);
            (submissions, errors) = await SubmitAndWaitAsync(client, database, "m", plan.Tasks, plan, priorityQueues, after);
            profile = profiler.Stop();
            peak = await sampler.StopAsync();
        }

        // The server is gone and the clients' idle connections closed, so their backends have reported their counts.
        NpgsqlConnection.ClearAllPools();
        await Task.Delay(DatabaseWork.ExitDelay);
        var work = (await DatabaseWork.ReadAsync(postgres.AdminConnectionString, databaseName)).Since(workStart);
        var (timings, retriedFailures) = await ReadTimingsAsync(database, submissions, after);
        return new SideResult(priorityQueues ? "Hangfire, priority queues" : "Hangfire", timings, Acceptance.Of(submissions), errors + retriedFailures, Refusals: 0, peak,
            await CompletionWatch.CountDocumentRowsAsync(database, "m"), profile with { Work = work });
    }

    private static async Task CreateDocumentsTableAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        foreach (var migration in Migrations.All.Where(migration => migration.Name is "documents" or "search_inline"))
        {
            await using var command = new NpgsqlCommand(migration.Sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static Task WaitForServerAsync(string database, ProcessHost server) =>
        Eventually.TrueAsync(
            $"the Hangfire server to register:\n{server.RecentOutput}",
            async () => server.HasExited ? throw new InvalidOperationException("The Hangfire server exited:\n" + server.RecentOutput)
                : await ScalarAsync(database, "SELECT count(*) FROM hangfire.server") > 0,
            TimeSpan.FromSeconds(60));

    private static async Task<(Submission<long?>[] Submissions, int Errors)> SubmitAndWaitAsync(
        BackgroundJobClient client, string database, string phase, int jobs, TasksPlan plan, bool priorityQueues, long after)
    {
        var documents = SmallTaskDocuments.ForPeer();
        var errors = 0;
        long? Enqueue(int number)
        {
            var collection = SmallTaskDocuments.Collection(phase, number);
            for (var attempt = 1; attempt <= MaxErrorsPerJob; attempt++)
            {
                try
                {
                    var id = priorityQueues
                        ? client.Enqueue<PeerIndexJob>(AdmissionMix.QueueOf(number), job => job.RunAsync(collection, Guid.NewGuid(), documents))
                        : client.Enqueue<PeerIndexJob>(job => job.RunAsync(collection, Guid.NewGuid(), documents));
                    return long.Parse(id, CultureInfo.InvariantCulture);
                }
                catch (Exception exception) when (exception is NpgsqlException or BackgroundJobClientException)
                {
                    Interlocked.Increment(ref errors);
                    Thread.Sleep(TimeSpan.FromSeconds(1));
                }
            }

            return null;
        }

        var submitting = ConcurrentClients.RunAsync(jobs, plan.Clients, number => Task.FromResult(Enqueue(number)));
        await CompletionWatch.WaitAsync(database,
            $"SELECT count(*) FROM hangfire.job WHERE id > {after} AND statename IN ('Succeeded', 'Failed', 'Deleted')",
            CountAcceptedAsync(submitting), plan.Stall);
        return (await submitting, errors);
    }

    private static async Task<int> CountAcceptedAsync(Task<Submission<long?>[]> submitting) =>
        (await submitting).Count(submission => submission.Id is not null);

    /// <summary>Each job's first Processing state and its Succeeded (or final Failed) state; failed attempts that were retried count as errors.</summary>
    private static async Task<(TaskTiming[] Timings, int RetriedFailures)> ReadTimingsAsync(string database, Submission<long?>[] submissions, long after)
    {
        var started = new Dictionary<long, DateTime>();
        var ended = new Dictionary<long, (string State, DateTime At)>();
        var failures = 0;
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"SELECT jobid, name, createdat FROM hangfire.state WHERE jobid > {after} AND name IN ('Processing', 'Succeeded', 'Failed') ORDER BY id",
                connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var job = reader.GetInt64(0);
                var at = DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc);
                switch (reader.GetString(1))
                {
                    case "Processing":
                        started.TryAdd(job, at);
                        break;
                    case var state:
                        failures += state == "Failed" ? 1 : 0;
                        ended[job] = (state, at);
                        break;
                }
            }
        }

        var timings = submissions.Select(submission =>
            submission.Id is { } id && ended.TryGetValue(id, out var end)
                ? new TaskTiming(submission.Submitted, submission.Accepted, started.TryGetValue(id, out var start) ? start : null, end.At, end.State == "Succeeded" ? TaskEnd.Completed : TaskEnd.Failed)
                : new TaskTiming(submission.Submitted, submission.Accepted, null, null, TaskEnd.Lost)).ToArray();
        return (timings, failures - timings.Count(timing => timing.End == TaskEnd.Failed));
    }

    private static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { ApplicationName = ConnectionSampler.WatcherName }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
