using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OrleansTasks.Benchmarks.SmallTasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Corpus;

/// <summary>
/// Several corpus tasks at once on a cluster of several silos, beside their peer in the same run:
/// as many parallel <c>COPY</c> streams as the machine has processors, over the same files into the
/// same collections. Each task reads a JSON-lines file of its own into a collection of its own. Reports
/// the aggregate documents/s of both, the ratio, each silo's peak resident memory, and where the
/// processor time went while the tasks ran (silos, gateway, PostgreSQL, the rest of the machine),
/// which shows what stopped the scaling.
/// Run: dotnet run -c Release --project test/Benchmarks -- corpus --parallel [--tasks 4] [--silos 2] [--documents 250000] [--runs 2] [--words 130]
/// </summary>
internal static class ParallelCorpusBenchmark
{
    public static async Task<int> RunAsync(int tasks, int silos, int documents, int runs, int words)
    {
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("corpus --parallel: skipped, PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return 1;
        }

        var scratch = Directory.CreateTempSubdirectory("orleans-tasks-corpus-").FullName;
        try
        {
            var streams = Environment.ProcessorCount;
            var directories = Enumerable.Range(0, tasks)
                .Select(task => Directory.CreateDirectory(Path.Combine(scratch, task.ToString(CultureInfo.InvariantCulture))).FullName)
                .ToArray();
            var bytes = directories.Sum(directory => JsonLinesCorpus.Write(Path.Combine(directory, "corpus.jsonl"), documents, words));
            var total = (long)tasks * documents;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"corpus --parallel: {streams} cores, {tasks} tasks of {documents:N0} documents ({bytes / 1048576.0:F0} MiB in all) on {silos} silos, beside {streams} COPY streams"));
            Console.WriteLine("| run | COPY docs/s | tasks docs/s | ratio | silo peaks MiB | gateway peak MiB | processor: silos | gateway | PostgreSQL | other | machine busy |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
            for (var run = 1; run <= runs; run++)
            {
                var copy = await CopyAsync(await postgres.CreateDatabaseAsync(), directories, streams);
                var indexed = await IndexAsync(postgres, await postgres.CreateDatabaseAsync(), scratch, directories, documents, silos);
                var p = indexed.Processor;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {run} | {total / copy.TotalSeconds:F0} | {total / indexed.Elapsed.TotalSeconds:F0} | {copy.TotalSeconds / indexed.Elapsed.TotalSeconds:F2}× | {string.Join(" / ", indexed.SiloPeaks.Select(peak => (peak / 1048576.0).ToString("F0", CultureInfo.InvariantCulture)))} | {indexed.GatewayPeak / 1048576.0:F0} | {Share(p.Silos, p.Machine)} | {Share(p.Gateway, p.Machine)} | {Share(p.Postgres, p.Machine)} | {Share(p.Machine - p.Silos - p.Gateway - p.Postgres, p.Machine)} | {p.Machine.TotalSeconds / (indexed.Elapsed.TotalSeconds * streams):P0} |"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static string Share(TimeSpan part, TimeSpan whole) =>
        string.Create(CultureInfo.InvariantCulture, $"{part.TotalSeconds:F0} s ({part / whole:P0})");

    private static string CollectionOf(int task) => string.Create(CultureInfo.InvariantCulture, $"corpus-{task}");

    /// <summary>The peer: the files shared among <paramref name="streams"/> binary COPY streams running at once.</summary>
    private static async Task<TimeSpan> CopyAsync(string database, string[] directories, int streams)
    {
        await using var dataSource = NpgsqlDataSource.Create(database + ";Command Timeout=0");
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(stream => Task.Run(async () =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var import = await connection.BeginBinaryImportAsync(
                "COPY documents (collection, document_id, title, content, content_hash, written_by) FROM STDIN (FORMAT BINARY)");
            var writer = Guid.NewGuid();
            for (var task = stream; task < directories.Length; task += streams)
            {
                await CorpusBenchmark.CopyRowsAsync(import, CollectionOf(task), Path.Combine(directories[task], "corpus.jsonl"), writer);
            }

            await import.CompleteAsync();
        })));
        return watch.Elapsed;
    }

    private sealed record Processor(TimeSpan Silos, TimeSpan Gateway, TimeSpan Postgres, TimeSpan Machine);

    private sealed record TasksRun(TimeSpan Elapsed, IReadOnlyList<long> SiloPeaks, long GatewayPeak, Processor Processor);

    /// <summary>The product: every task created at once and watched over its socket until its terminal message.</summary>
    private static async Task<TasksRun> IndexAsync(
        PostgresServer postgres, string database, string root, string[] directories, int documents, int silos)
    {
        var settings = new Dictionary<string, string?> { ["Tasks:SourceRoots:0"] = root, [ProcessHost.GarbageCollectorVariable] = CorpusBenchmark.AsShipped };
        await using var cluster = await RunningCluster.StartAsync(database, silos, settings, settings);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);

        Processor Sample() => new(
            cluster.Silos.Aggregate(TimeSpan.Zero, (sum, silo) => sum + ProcessorTime.OfProcess(silo.ProcessId)),
            ProcessorTime.OfProcess(cluster.Gateway.ProcessId),
            ProcessorTime.OfPostgres(postgres.DataFolder),
            ProcessorTime.OfMachine());
        var before = Sample();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(directories.Select(async (directory, task) =>
        {
            var body = new System.Text.Json.Nodes.JsonObject
            {
                ["collection"] = CollectionOf(task),
                ["source"] = new System.Text.Json.Nodes.JsonObject { ["directory"] = directory, ["pattern"] = "*.jsonl" },
            };
            var taskId = await TaskRequests.CreateAsync(http, body);
            await CorpusWatch.UntilEndAsync(new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}"));
            var end = await TaskRequests.WaitForEndAsync(http, taskId, TimeSpan.FromMinutes(1));
            var indexed = end.GetProperty("counts").GetProperty("indexed").GetInt32();
            if (end.GetProperty("status").GetString() != "completed" || indexed != documents)
            {
                throw new InvalidOperationException($"Task {taskId} ended {end.GetProperty("status").GetString()} with {indexed} of {documents} documents indexed: {end}");
            }
        }));
        var elapsed = watch.Elapsed;
        var after = Sample();
        return new TasksRun(
            elapsed,
            cluster.Silos.Select(silo => CorpusWatch.PeakResidentBytes(silo.ProcessId)).ToList(),
            CorpusWatch.PeakResidentBytes(cluster.Gateway.ProcessId),
            new Processor(after.Silos - before.Silos, after.Gateway - before.Gateway, after.Postgres - before.Postgres, after.Machine - before.Machine));
    }
}
