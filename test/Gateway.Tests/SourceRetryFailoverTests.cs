using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansTasks.Testing;
using OrleansTasks.Testing.ClusterFaults;
using OrleansTasks.Testing.Storm;
using static OrleansTasks.Gateway.Tests.RetryWaitKills;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A directory source's file read failing with an I/O error that may pass, on real processes, with <c>kill -9</c> of the
/// silo running the task while it waits out the retry's backoff. The read fails for real, in the silo processes only: their
/// open(2) of the file fails with EIO (<see cref="OpenFaults"/>, an <see cref="IOException"/> neither of a missing file nor
/// of a refused one, so the silo takes it as a read that may pass) until the test takes the file off the fault's list.
/// </summary>
public sealed partial class SourceRetryFailoverTests(PostgresServer postgres, ITestOutputHelper output) : IDisposable
{
    private const int Files = 20;
    private const int MaxAttempts = 5;
    private const string Unreadable = "a-00.md";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private readonly string _root = Directory.CreateTempSubdirectory("orleans-tasks-source-").FullName;

    /// <summary>
    /// Attempt 1 fails on the first silo, which is killed during the wait for attempt 2; the survivor keeps the stored wait,
    /// its attempt 2 fails too and waits for attempt 3, which reads the file (mended meanwhile) and every other once.
    /// </summary>
    [Fact]
    public async Task A_silo_killed_while_a_source_read_waits_for_its_retry_neither_loses_nor_repeats_the_attempt_and_reads_every_file_once()
    {
        SystemDependencies.CCompiler();
        WriteSource();
        var faults = new OpenFaults();
        faults.Fail(Unreadable);
        var database = await postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Tasks:LeasePeriod"] = "00:00:05", ["Tasks:SourceRoots:0"] = _root };

        // Both silos, so that the file cannot be opened either on the silo that runs the task after the kill.
        var silos = new Dictionary<string, string?>(settings.Concat(faults.Environment));
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, silos, settings);
        using var http = Client(cluster);
        var collection = "c" + Guid.NewGuid().ToString("N")[..12];
        var taskId = await TaskRequests.CreateAsync(http, new JsonObject
        {
            ["collection"] = collection,
            ["source"] = new JsonObject { ["directory"] = _root, ["pattern"] = "*.md" },
            ["retry"] = new JsonObject { ["max_attempts"] = MaxAttempts, ["initial_interval"] = "PT30S", ["backoff"] = 1 },
        });
        var watching = ReconnectingWatcher.WatchAsync("source task", new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}"), TimeSpan.FromMinutes(5));

        // Killed with half the wait left: a new backoff begun by the survivor would end at least 15 s after this one.
        var (waiting, nextAttemptAt, victim, killedAt) = await KillDuringWaitAsync(cluster, http, taskId, attempt: 2, killWhenLeft: Interval / 2);
        Assert.True(killedAt < nextAttemptAt, $"the silo was killed at {killedAt:O}, after the wait's end {nextAttemptAt:O}: the test proves nothing");
        RetryMessages.Wait(waiting.GetProperty("message").GetString(), 2, MaxAttempts, Reason);
        var (resumed, resumedAt) = await FirstAnswerAsync(http, taskId);
        if (resumedAt < nextAttemptAt)
        {
            // Still within the wait: the new activation shows the stored attempt and the stored end of its wait.
            Assert.Equal(2, resumed.GetProperty("attempt").GetInt32());
            Assert.Equal(nextAttemptAt, Time(resumed.GetProperty("next_attempt_at")));
        }
        else
        {
            Assert.InRange(resumed.GetProperty("attempt").GetInt32(), 2, 3);
        }

        // The file still cannot be read: the survivor's try is attempt 2, which fails and waits for attempt 3.
        var second = await WaitForAttemptAsync(http, taskId, 3, TimeSpan.FromMinutes(2));
        var secondWait = RetryMessages.Wait(second.GetProperty("message").GetString(), 3, MaxAttempts, Reason);
        Assert.InRange(secondWait, Interval - TimeSpan.FromSeconds(0.06), (Interval * 1.25) + TimeSpan.FromSeconds(0.06));

        // The message rounds the wait to a tenth of a second: this is the latest the second attempt can have failed.
        var secondFailedAt = Time(second.GetProperty("next_attempt_at")) - secondWait + TimeSpan.FromSeconds(0.05);
        AssertWaitedOnlyTheRest(secondFailedAt, nextAttemptAt, resumedAt);
        faults.Mend(Unreadable);
        var ended = await TaskRequests.WaitForEndAsync(http, taskId, TimeSpan.FromMinutes(2));
        var watcher = await watching;

        output.WriteLine($"killed {(nextAttemptAt - killedAt).TotalSeconds:F1} s before the wait's end; answered again {(resumedAt - killedAt).TotalSeconds:F1} s after the kill; "
            + $"attempt 2 failed {(secondFailedAt - nextAttemptAt).TotalSeconds:F1} s after the wait's end; ended {(Time(ended.GetProperty("finished_at")) - killedAt).TotalSeconds:F1} s after the kill");
        Assert.Equal("completed", ended.GetProperty("status").GetString());
        Assert.Equal((Files, 0), (ended.GetProperty("counts").GetProperty("indexed").GetInt32(), ended.GetProperty("counts").GetProperty("failed").GetInt32()));

        // Each attempt failed once, on the silo that ran it: none lost to the kill, none repeated.
        var survivor = cluster.Silos.Single(silo => silo != victim);
        Assert.Equal([1], FailedAttempts(victim, taskId));
        Assert.Equal([2], FailedAttempts(survivor, taskId));

        // Both failed with the injected EIO, which .NET raises as a plain IOException.
        var injected = $"System.IO.IOException: Input/output error : '{Path.Combine(_root, Unreadable)}'";
        Assert.All(new[] { victim, survivor }, silo => Assert.Contains(silo.Output, line => line.Contains(injected, StringComparison.Ordinal)));

        // One end, and attempts over the feed in the order 1, 2, 3 and back to 1 once the slice went through.
        Assert.Empty(watcher.Violations);
        Assert.Equal("complete", watcher.Terminal!.Value.GetProperty("type").GetString());
        var attempts = watcher.Connections.SelectMany(c => c.Messages).Where(m => m.GetProperty("type").GetString() != "pong")
            .Select(m => m.GetProperty("attempt").GetInt32()).ToList();
        Assert.Equal([2, 3, 1], attempts.Where((attempt, i) => i == 0 || attempt != attempts[i - 1]).SkipWhile(attempt => attempt == 1));

        // Every file once, in source order; the slice the read failed in was indexed at attempt 3.
        var rows = (await http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/result?limit=100")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, Files).Select(Name), rows.Select(row => row.GetProperty("id").GetString()));
        Assert.All(rows, row => Assert.Equal("indexed", row.GetProperty("status").GetString()));
        Assert.Equal(3, rows[0].GetProperty("attempts").GetInt32());
        Assert.All(rows, row => Assert.Contains(row.GetProperty("attempts").GetInt32(), new[] { 1, 3 }));
        Assert.Equal(Files, await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) FROM documents WHERE collection = '{collection}' AND write_count = 1"));
        Assert.Equal(Files, await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) FROM documents WHERE collection = '{collection}'"));
        var completed = (int)IndexTaskStatus.Completed;
        Assert.Equal(1L, await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) FROM task_history WHERE task_id = '{taskId}'"));
        Assert.Equal(1L, await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) FROM task_history WHERE task_id = '{taskId}' AND status = {completed}"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Reason => $"the source file '{Unreadable}' could not be read";

    private static string Name(int i) => string.Create(CultureInfo.InvariantCulture, $"a-{i:D2}.md");

    /// <summary>The source's files, a-00.md to a-19.md in order.</summary>
    private void WriteSource()
    {
        foreach (var i in Enumerable.Range(0, Files))
        {
            File.WriteAllText(Path.Combine(_root, Name(i)), TaskRequests.Content(i, 30));
        }
    }

    /// <summary>The attempts at reading <see cref="Unreadable"/> that <paramref name="silo"/> logged as failed for <paramref name="taskId"/>.</summary>
    private static List<int> FailedAttempts(ProcessHost silo, Guid taskId) =>
        [.. silo.Output.Select(line => FailedPattern().Match(line)).Where(match => match.Success && match.Groups["task"].Value == taskId.ToString())
            .Select(match => int.Parse(match.Groups["attempt"].Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"Task (?<task>[0-9a-f-]{36}): attempt (?<attempt>\d+) failed reading the source at a-00\.md ")]
    private static partial Regex FailedPattern();
}
