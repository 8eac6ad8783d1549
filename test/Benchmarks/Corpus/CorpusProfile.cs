using System.Globalization;
using Npgsql;
using OrleansTasks.Benchmarks.Profiles;
using OrleansTasks.Benchmarks.SmallTasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Corpus;

/// <summary>
/// Where PostgreSQL's time per document goes: one bare <c>COPY</c> stream and one corpus task (cluster
/// mode, one silo) over the same generated file, each into a database of its own on a server that loads
/// <c>pg_stat_statements</c>, with autovacuum off and a checkpoint before each. Prints, per run, the server's processor time per document (every backend
/// and helper process, from <c>/proc</c>) and each statement's calls, total and per-document time.
/// Run: dotnet run -c Release --project test/Benchmarks -- corpus --profile [--documents 100000] [--runs 1] [--words 130]
/// </summary>
internal static class CorpusProfile
{
    public static async Task<int> RunAsync(int documents, int runs, int words)
    {
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("corpus --profile: skipped, PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return 1;
        }

        // Autovacuum would clean one phase's table (its GIN pending list too) while the next phase is measured.
        await postgres.ExecuteAsAdminAsync("ALTER SYSTEM SET autovacuum = off");
        await StatementProfile.EnableAsync(postgres);
        var scratch = Directory.CreateTempSubdirectory("orleans-tasks-corpus-").FullName;
        try
        {
            var file = Path.Combine(scratch, "corpus.jsonl");
            JsonLinesCorpus.Write(file, documents, words);
            for (var run = 1; run <= runs; run++)
            {
                var copyDatabase = await postgres.CreateDatabaseAsync();
                await postgres.ExecuteAsAdminAsync("CHECKPOINT");
                var before = ProcessorTime.OfPostgres(postgres.DataFolder);
                await using var copySampler = BackendSampler.Start(postgres.AdminConnectionString);
                var copy = await CorpusBenchmark.CopyAsync(copyDatabase, file);
                await BackendsEndedAsync(copyDatabase, postgres.DataFolder);
                var copyCpu = ProcessorTime.OfPostgres(postgres.DataFolder) - before;
                var copyKinds = await copySampler.StopAsync();

                var taskDatabase = await postgres.CreateDatabaseAsync();
                await postgres.ExecuteAsAdminAsync("CHECKPOINT");
                before = ProcessorTime.OfPostgres(postgres.DataFolder);
                await using var taskSampler = BackendSampler.Start(postgres.AdminConnectionString);
                var task = await CorpusBenchmark.IndexAsync(taskDatabase, scratch, documents);
                await BackendsEndedAsync(taskDatabase, postgres.DataFolder);
                var taskCpu = ProcessorTime.OfPostgres(postgres.DataFolder) - before;
                var taskKinds = await taskSampler.StopAsync();

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run}: COPY {documents / copy.TotalSeconds:F0} docs/s, server {copyCpu.TotalMilliseconds / documents:F3} ms/doc | task {documents / task.Elapsed.TotalSeconds:F0} docs/s, server {taskCpu.TotalMilliseconds / documents:F3} ms/doc ({taskCpu / copyCpu:F2}× COPY's)"));
                Console.WriteLine($"COPY's server processes, ms/doc: {BackendSampler.Format(copyKinds, documents)}");
                Console.WriteLine($"task's server processes, ms/doc: {BackendSampler.Format(taskKinds, documents)}");
                await StatementProfile.PrintAsync(postgres, "COPY", copyDatabase, documents, "doc");
                await StatementProfile.PrintAsync(postgres, "task", taskDatabase, documents, "doc");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// Waits until no server process serves <paramref name="connectionString"/>'s database and the postmaster
    /// has reaped every ended one: an ended backend's processor time counts in the postmaster's only once
    /// reaped, and one reaped while <see cref="ProcessorTime.OfPostgres"/> reads (after the postmaster's
    /// own figures, before the backend's) counted nowhere, so that a phase's total once read near zero.
    /// </summary>
    private static async Task BackendsEndedAsync(string connectionString, string dataFolder)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var postmaster = File.ReadLines(Path.Combine(dataFolder, "postmaster.pid")).First();
        // The schema migration's connection idles in this process's pool.
        NpgsqlConnection.ClearAllPools();
        await Eventually.TrueAsync(
            () => !Directory.EnumerateDirectories("/proc").Any(folder => Serves(folder, database) || Unreaped(folder, postmaster)),
            TimeSpan.FromSeconds(30),
            waitingFor: $"the server processes of database {database} to end and be reaped");
    }

    /// <summary>
    /// Whether the process is a child of <paramref name="postmaster"/> that is ending or has ended and is not
    /// reaped yet: its command line is gone with its memory before it is a zombie.
    /// </summary>
    private static bool Unreaped(string procFolder, string postmaster)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(procFolder, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[1] == postmaster && File.ReadAllText(Path.Combine(procFolder, "cmdline")).Length == 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool Serves(string procFolder, string database)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procFolder, "cmdline")).Contains(" " + database + " ", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
