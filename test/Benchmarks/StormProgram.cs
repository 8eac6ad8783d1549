using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Storm;

namespace OrleansTasks.Benchmarks;

/// <summary>
/// The database storm, round after round, each on a fresh database and cluster: every PostgreSQL
/// connection is terminated every 0.7 s for twice the test's storm while waves of batches, chains,
/// tasks, cancels and one-off schedules run, each watched by a reconnecting client; prints per
/// round what the watchers saw, how long the work took to converge after the storm, and every
/// promise broken.
/// Run: dotnet run -c Release --project test/Benchmarks -- storm [rounds]
/// </summary>
internal static class StormProgram
{
    public static async Task<int> RunAsync(int rounds)
    {
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("storm: PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return 1;
        }

        var broken = 0;
        var durations = new List<double>();
        Console.WriteLine("round | watchers | reconnects | refused handshakes | connections terminated | requests retried | 5xx answers | converged after the storm (s) | promises broken");
        for (var round = 1; round <= rounds; round++)
        {
            var database = await postgres.CreateDatabaseAsync();
            await using var cluster = await RunningCluster.StartAsync(database, silos: 2, StormSettings.Cluster);
            var workload = new StormWorkload(cluster.GatewayAddress, TestTokens.Alice, database) { Waves = 8 };
            Task run;
            long terminated;
            await using (var storm = ConnectionStorm.Start(postgres.AdminConnectionString, new NpgsqlConnectionStringBuilder(database).Database!, StormSettings.Every))
            {
                run = workload.RunAsync(StormSettings.Duration * 2);
                await Task.Delay(StormSettings.Duration * 2);
                await storm.StopAsync();
                terminated = storm.Terminated;
            }

            // How long the work sent during the storm took to converge once it stopped.
            var stopped = Stopwatch.GetTimestamp();
            await run;
            var converged = Stopwatch.GetElapsedTime(stopped).TotalSeconds;
            durations.Add(converged);
            var report = await workload.CheckAsync();
            broken += report.Violations.Count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{round} | {report.Watchers} | {report.Reconnects} | {report.RefusedHandshakes} | {terminated} | {report.RetriedRequests} | {report.ServerErrors} | {converged:F1} | {report.Violations.Count}"));
            foreach (var violation in report.Violations)
            {
                Console.WriteLine("  " + violation);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"storm: {rounds} round(s) of {(StormSettings.Duration * 2).TotalSeconds:F0} s, {broken} promise(s) broken; converged {durations.Min():F1}-{durations.Max():F1} s after the storm"));
        return broken == 0 ? 0 : 1;
    }
}
