using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks;

/// <summary>
/// Kills, round after round, the silo process that runs a watched task (kill -9, and SIGTERM
/// every fourth round), restarts it, and prints how long the task took to resume, whether it
/// completed, and how many documents were written more than once.
/// Run: dotnet run -c Release --project test/Benchmarks -- reliability [rounds]
/// </summary>
internal static class ReliabilityProgram
{
    private const int Documents = 6000;

    public static async Task RunAsync(int rounds)
    {
        await using var postgres = new PostgresServer { Durable = true };
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("reliability: PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return;
        }

        var database = await postgres.CreateDatabaseAsync();
        var lease = new Dictionary<string, string?> { ["Tasks:LeasePeriod"] = "00:00:15" };
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, lease);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };

        var killResumes = new List<double>();
        var stopResumes = new List<double>();
        var completed = 0;
        var writtenTwice = 0L;
        for (var round = 1; round <= rounds; round++)
        {
            var graceful = round % 4 == 0;

            // A token per round: a run of many rounds outlasts a token's hour.
            http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
            var body = TaskRequests.Body(Documents, words: 80);
            var collection = body["collection"]!.GetValue<string>();
            var taskId = await TaskRequests.CreateAsync(http, body);
            await using var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}"));
            var before = Current(await ProgressAtLeastAsync(socket, 300 + Random.Shared.Next(2000)));
            var victim = await cluster.SiloRunningAsync(taskId);

            var struck = Stopwatch.GetTimestamp();
            if (graceful)
            {
                await victim.TerminateAsync(TimeSpan.FromMinutes(1));
            }
            else
            {
                await victim.KillAsync();
            }

            var next = await ProgressAtLeastAsync(socket, before + 1);
            var resumed = Current(next);
            var resumeSeconds = Stopwatch.GetElapsedTime(struck).TotalSeconds;
            (graceful ? stopResumes : killResumes).Add(resumeSeconds);
            var rest = IsComplete(next) ? [next] : await socket.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(5));
            var ok = rest.Count > 0 && IsComplete(rest[^1])
                && rest[^1].GetProperty("result").GetProperty("success").GetInt32() == Documents;
            completed += ok ? 1 : 0;
            writtenTwice += await WrittenMoreThanOnceAsync(database, collection);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round,2}: {(graceful ? "SIGTERM" : "kill -9")} at {before}/{Documents}, resumed at {resumed} after {resumeSeconds:F1} s, {(ok ? "completed" : "NOT completed")}"));

            cluster.StartSilo(lease);
            await cluster.WaitForActiveSilosAsync(2);
        }

        Console.WriteLine();
        Console.WriteLine($"rounds: {rounds}, tasks completed: {completed}/{rounds}, documents written twice: {writtenTwice}");
        Console.WriteLine("resume after kill -9 (s): " + Describe(killResumes));
        Console.WriteLine("resume after SIGTERM (s): " + Describe(stopResumes));
    }

    /// <summary>The first progress message past <paramref name="minimum"/> documents, or the task's <c>complete</c> if it comes first.</summary>
    private static async Task<JsonElement> ProgressAtLeastAsync(SocketClient socket, int minimum)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (await socket.ReceiveAsync(deadline - DateTime.UtcNow) is { } message)
        {
            if (IsComplete(message) || (message.GetProperty("type").GetString() == "progress" && Current(message) >= minimum))
            {
                return message;
            }
        }

        throw new InvalidOperationException("The socket closed before the task made progress.");
    }

    private static bool IsComplete(JsonElement message) => message.GetProperty("type").GetString() == "complete";

    private static int Current(JsonElement message) => IsComplete(message) ? Documents : message.GetProperty("current").GetInt32();

    private static async Task<long> WrittenMoreThanOnceAsync(string database, string collection)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM documents WHERE collection = @c AND write_count > 1", connection);
        command.Parameters.AddWithValue("c", collection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string Describe(List<double> seconds)
    {
        if (seconds.Count == 0)
        {
            return "n=0";
        }

        var sorted = seconds.Order().ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"n={sorted.Count} min={sorted[0]:F1} p50={sorted[sorted.Count / 2]:F1} max={sorted[^1]:F1}");
    }
}
