using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using OrleansTasks.Indexing;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Corpus;

/// <summary>
/// One task indexing a generated JSON-lines corpus from a directory source, in cluster mode on
/// PostgreSQL (one silo process, one gateway process), beside its peer in the same run: one bare
/// <c>COPY</c> stream of the same rows (read from the same file) into the same <c>documents</c> table,
/// in a database of its own. Reports documents/s of both, the ratio, and the resident memory of the silo and
/// the gateway after a warm-up task (<see cref="WarmUpSize"/> documents of a file of their own, into another
/// collection: the first task in a fresh process pays for its compiled code, pools and caches) and at their
/// peak (VmHWM, started over after the warm-up) during the measured task, so that flat memory shows as a small growth. With
/// <c>--embedded</c>, each run also indexes the file in embedded mode (<see cref="EmbeddedCorpusRun"/>), printed
/// in a table of its own beside the cluster task's rate.
/// Run: dotnet run -c Release --project test/Benchmarks -- corpus [--documents 1000000] [--sizes 100000,1000000] [--runs 2] [--words 130] [--embedded]
/// </summary>
internal static class CorpusBenchmark
{
    private const string Collection = "corpus";
    private const string WarmUpCollection = "warm-up";

    /// <summary>The documents of the warm-up task before a measured task of <paramref name="size"/>: a tenth, at most 100,000.</summary>
    public static int WarmUpSize(int size) => Math.Clamp(size / 10, 1, 100_000);

    public static async Task<int> RunAsync(IReadOnlyList<int> sizes, int runs, int words, bool embedded = false)
    {
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("corpus: skipped, PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return 1;
        }

        var scratch = Directory.CreateTempSubdirectory("orleans-tasks-corpus-").FullName;
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"corpus: {Environment.ProcessorCount} cores, {words} words a document"));
            Console.WriteLine("| documents | run | file MiB | COPY docs/s | task docs/s | ratio | silo MiB fresh / after warm-up / peak (+growth), warm-up peak (peak minus it) | silo anonymous MiB after warm-up / peak | gateway MiB fresh / after warm-up / peak (+growth), warm-up peak (peak minus it) | gateway anonymous MiB after warm-up / peak |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
            var embeddedRows = new List<string>();
            foreach (var size in sizes)
            {
                var directory = Directory.CreateDirectory(Path.Combine(scratch, size.ToString(CultureInfo.InvariantCulture))).FullName;
                var file = Path.Combine(directory, "corpus.jsonl");
                var bytes = JsonLinesCorpus.Write(file, size, words);
                var warmUp = new WarmUp(Directory.CreateDirectory(Path.Combine(scratch, $"{size}-warm-up")).FullName, WarmUpSize(size));
                JsonLinesCorpus.Write(Path.Combine(warmUp.Directory, "corpus.jsonl"), warmUp.Size, words);
                for (var run = 1; run <= runs; run++)
                {
                    var copy = await CopyAsync(await postgres.CreateDatabaseAsync(), file);
                    var task = await IndexAsync(await postgres.CreateDatabaseAsync(), directory, size, warmUp);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {size:N0} | {run} | {bytes / 1048576.0:F0} | {size / copy.TotalSeconds:F0} | {size / task.Elapsed.TotalSeconds:F0} | {copy.TotalSeconds / task.Elapsed.TotalSeconds:F2}× | {task.Silo?.Cells()} | {task.Gateway.Cells()} |"));
                    if (embedded)
                    {
                        var alone = await EmbeddedCorpusRun.IndexAsync(directory, size, warmUp, scratch);
                        embeddedRows.Add(string.Create(CultureInfo.InvariantCulture,
                            $"| {size:N0} | {run} | {size / copy.TotalSeconds:F0} | {size / task.Elapsed.TotalSeconds:F0} | {size / alone.Elapsed.TotalSeconds:F0} | {task.Elapsed.TotalSeconds / alone.Elapsed.TotalSeconds:F2}× | {alone.Gateway.Cells()} |"));
                    }
                }

                File.Delete(file);
                Directory.Delete(warmUp.Directory, recursive: true);
            }

            if (embedded)
            {
                Console.WriteLine();
                Console.WriteLine("| documents | run | COPY docs/s | cluster task docs/s | embedded task docs/s | embedded ÷ cluster | embedded MiB fresh / after warm-up / peak (+growth), warm-up peak (peak minus it) | embedded anonymous MiB after warm-up / peak |");
                Console.WriteLine("|---|---|---|---|---|---|---|---|");
                embeddedRows.ForEach(Console.WriteLine);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>The peer: the file's rows, parsed and hashed as the product does, in one binary COPY.</summary>
    public static async Task<TimeSpan> CopyAsync(string database, string file)
    {
        await using var dataSource = NpgsqlDataSource.Create(database + ";Command Timeout=0");
        var watch = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY documents (collection, document_id, title, content, content_hash, written_by) FROM STDIN (FORMAT BINARY)"))
        {
            await CopyRowsAsync(import, Collection, file, Guid.NewGuid());
            await import.CompleteAsync();
        }

        return watch.Elapsed;
    }

    /// <summary>The file's rows into <paramref name="import"/>, each parsed and hashed as the product does.</summary>
    public static async Task CopyRowsAsync(NpgsqlBinaryImporter import, string collection, string file, Guid writer)
    {
        ArgumentNullException.ThrowIfNull(import);
        foreach (var (id, title, content) in JsonLinesCorpus.Read(file))
        {
            await import.StartRowAsync();
            await import.WriteAsync(collection, NpgsqlDbType.Varchar);
            await import.WriteAsync(id, NpgsqlDbType.Varchar);
            await import.WriteAsync(title, NpgsqlDbType.Text);
            await import.WriteAsync(content, NpgsqlDbType.Text);
            await import.WriteAsync(ContentHash.Sha256Hex(content), NpgsqlDbType.Char);
            await import.WriteAsync(writer, NpgsqlDbType.Uuid);
        }
    }

    /// <summary>
    /// Each process runs with the garbage collector it ships with, as deployed (the gateway's server collector, the
    /// silo's workstation one), not the workstation collector the tests give every process.
    /// </summary>
    public const string? AsShipped = null;

    /// <summary>The warm-up corpus: a directory under the source roots holding one file of <paramref name="Size"/> documents.</summary>
    public sealed record WarmUp(string Directory, int Size);

    /// <summary>The task's time, and each process's memory (no silo of its own in embedded mode).</summary>
    public sealed record TaskRun(TimeSpan Elapsed, ProcessMemory? Silo, ProcessMemory Gateway);

    /// <summary>
    /// One task over the corpus's directory through the gateway on <paramref name="port"/>, from its creation to its
    /// terminal message on its socket; it must have completed with all <paramref name="size"/> documents indexed.
    /// </summary>
    public static async Task<TimeSpan> TimeTaskAsync(int port, string directory, int size, string collection = Collection)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["collection"] = collection,
            ["source"] = new System.Text.Json.Nodes.JsonObject { ["directory"] = directory, ["pattern"] = "*.jsonl" },
        };
        var watch = Stopwatch.StartNew();
        var taskId = await TaskRequests.CreateAsync(http, body);
        await CorpusWatch.UntilEndAsync(new Uri($"ws://127.0.0.1:{port}/ws/task/{taskId}?token={TestTokens.Alice}"));
        var elapsed = watch.Elapsed;
        var end = await TaskRequests.WaitForEndAsync(http, taskId, TimeSpan.FromMinutes(1));
        var indexed = end.GetProperty("counts").GetProperty("indexed").GetInt32();
        if (end.GetProperty("status").GetString() != "completed" || indexed != size)
        {
            throw new InvalidOperationException($"The task ended {end.GetProperty("status").GetString()} with {indexed} of {size} documents indexed: {end}");
        }

        return elapsed;
    }

    /// <summary>
    /// The product: one task over the corpus's directory, from its creation to its terminal message on its socket, after
    /// the warm-up's when there is one (the profile has none: it counts the server's work from the cluster's start).
    /// </summary>
    public static async Task<TaskRun> IndexAsync(string database, string directory, int size, WarmUp? warmUp = null)
    {
        var settings = new Dictionary<string, string?> { ["Tasks:SourceRoots:0"] = directory, [ProcessHost.GarbageCollectorVariable] = AsShipped };
        if (warmUp is not null)
        {
            settings["Tasks:SourceRoots:1"] = warmUp.Directory;
        }

        await using var cluster = await RunningCluster.StartAsync(database, silos: 1, settings, settings);
        var silo = new ProcessMemoryWatch(cluster.Silos[0].ProcessId);
        var gateway = new ProcessMemoryWatch(cluster.Gateway.ProcessId);
        if (warmUp is not null)
        {
            await WarmUpAsync(cluster.GatewayPort, warmUp);
        }

        silo.StartMeasuring();
        gateway.StartMeasuring();
        var elapsed = await TimeTaskAsync(cluster.GatewayPort, directory, size);
        return new TaskRun(elapsed, await silo.StopAsync(), await gateway.StopAsync());
    }

    /// <summary>Indexes the warm-up corpus through the gateway on <paramref name="port"/>.</summary>
    public static Task WarmUpAsync(int port, WarmUp warmUp)
    {
        ArgumentNullException.ThrowIfNull(warmUp);
        return TimeTaskAsync(port, warmUp.Directory, warmUp.Size, WarmUpCollection);
    }
}
