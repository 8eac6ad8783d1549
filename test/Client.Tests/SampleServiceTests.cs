using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OrleansTasks.Testing;
using Xunit.Sdk;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// test/SampleService, built from the packed package in a folder feed as any service outside this
/// repository would be, against silo processes on PostgreSQL: every task and batch it watches
/// ends with its terminal snapshot exactly once, in <c>seq</c> order, although a silo running
/// them is killed with SIGKILL.
/// </summary>
public sealed class SampleServiceTests(PostgresServer postgres, PackedClient packed)
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task The_sample_service_watches_every_task_and_batch_to_one_terminal_snapshot_through_a_silo_kill()
    {
        postgres.Require();
        var service = await BuildSampleAsync();
        var database = await postgres.CreateDatabaseAsync();
        // One slot a silo: the sample's tasks take turns, so that one is still unfinished when a silo is killed under it
        // (with the default slots, all three of 10,000 documents ended before the kill in one run on a quiet machine).
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, extra: new Dictionary<string, string?> { ["Tasks:MaxRunningPerSilo"] = "1" });

        var settings = cluster.Settings;
        settings["Sample:Tasks"] = "3";
        settings["Sample:Documents"] = "10000";
        var lines = new ConcurrentQueue<string>();
        using var sample = StartSample(service, ProcessHost.Environment(settings), lines);
        try
        {
            await WatchThroughASiloKillAsync(cluster, sample, lines);
        }
        finally
        {
            if (!sample.HasExited)
            {
                sample.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task WatchThroughASiloKillAsync(RunningCluster cluster, Process sample, ConcurrentQueue<string> lines)
    {
        // Kill only once the cluster has accepted every task, the batch and the cancellation: what
        // is under test is the watching, not the sample's retries of its creations.
        await using var client = await cluster.ConnectClientAsync();
        await Eventually.TrueAsync(
            "the sample to start its four tasks and its batch and to cancel one",
            () => Task.FromResult(lines.Count(line => line.StartsWith("started ", StringComparison.Ordinal)) == 5 && lines.Any(line => line.StartsWith("cancel ", StringComparison.Ordinal))),
            RunLimit);
        var silo = await SiloUnderSomethingUnfinishedAsync(cluster, client.Client, lines);
        await silo.KillAsync();

        await Deadline.RunAsync(sample.WaitForExitAsync, RunLimit, "the sample service to see every end:\n" + string.Join('\n', lines.TakeLast(30)));
        var output = string.Join('\n', lines);
        Assert.True(sample.ExitCode == 0, $"the sample exited with {sample.ExitCode}:\n{output}");
        Assert.Contains("all ended", lines);

        var started = lines.Where(line => line.StartsWith("started ", StringComparison.Ordinal)).Select(line => Guid.Parse(line.Split(' ')[2])).ToList();
        var cancelled = lines.Single(line => line.StartsWith("cancel ", StringComparison.Ordinal)).Split(' ')[1];
        Assert.Equal(5, started.Count);
        var snapshots = lines.Select(Parse).OfType<Snapshot>().ToList();
        foreach (var id in started)
        {
            var seen = snapshots.Where(snapshot => snapshot.Id == id).ToList();
            Assert.True(seen.Count > 0, $"nothing seen of {id}");
            Assert.True(seen.Zip(seen.Skip(1)).All(pair => pair.First.Seq < pair.Second.Seq), $"{id}: seq not strictly rising: {string.Join(' ', seen.Select(s => s.Seq))}");
            Assert.Single(seen, snapshot => snapshot.IsTerminal);
            Assert.True(seen[^1].IsTerminal, $"{id} did not end with its terminal snapshot");
            Assert.Equal(id.ToString() == cancelled ? "Cancelled" : "Completed", seen[^1].Status);
        }
    }

    /// <summary>
    /// The silo process hosting something the sample watches that has not ended yet: one of its own
    /// tasks, a processing one first; once those have all ended (a quick machine gets through three
    /// before the sample has started everything), its batch, whose second task waits for its first.
    /// </summary>
    private static async Task<ProcessHost> SiloUnderSomethingUnfinishedAsync(RunningCluster cluster, IClusterClient client, ConcurrentQueue<string> lines)
    {
        var tasks = lines.Where(line => line.StartsWith("started task ", StringComparison.Ordinal)).Select(line => Guid.Parse(line.Split(' ')[2]));
        ProcessHost? waiting = null;
        foreach (var id in tasks)
        {
            var grain = client.GetGrain<IIndexTaskGrain>(id);
            var silo = cluster.SiloAt(await grain.GetHostingSilo());
            switch (await grain.GetSnapshot())
            {
                case { Status: IndexTaskStatus.Processing }:
                    return silo;
                case { IsTerminal: false }:
                    waiting ??= silo;
                    break;
            }
        }

        if (waiting is not null)
        {
            return waiting;
        }

        var batchId = Guid.Parse(lines.Single(line => line.StartsWith("started batch ", StringComparison.Ordinal)).Split(' ')[2]);
        if (await client.GetGrain<IBatchGrain>(batchId).GetSnapshot() is { IsTerminal: false })
        {
            return await cluster.SiloHostingAsync(grains => grains.GetGrain<IBatchGrain>(batchId));
        }

        throw FailException.ForFailure("every task of the sample and its batch ended before a silo could be killed under one: give them more documents (Sample:Documents)");
    }

    private async Task<string> BuildSampleAsync()
    {
        var folder = await packed.SampleCopyAsync();
        await PackedClient.RunAsync("dotnet", folder, BuildLimit, "build", "-c", "Release", "-o", Path.Combine(folder, "out"), $"-p:OrleansTasksClientVersion={packed.Version}");
        return Path.Combine(folder, "out", "SampleService.dll");
    }

    private static Process StartSample(string service, IDictionary<string, string?> environment, ConcurrentQueue<string> lines)
    {
        var start = new ProcessStartInfo("dotnet", [service]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => Record(line.Data);
        process.ErrorDataReceived += (_, line) => Record(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;

        void Record(string? line)
        {
            if (line is not null)
            {
                lines.Enqueue(line);
            }
        }
    }

    private sealed record Snapshot(string Kind, Guid Id, long Seq, string Status, int Progress)
    {
        public bool IsTerminal => Status is "Completed" or "Failed" or "Cancelled";
    }

    private static Snapshot? Parse(string line) => line.Split(' ') is ["snapshot", var kind, var id, var seq, var status, var progress]
        ? new Snapshot(kind, Guid.Parse(id), long.Parse(seq, CultureInfo.InvariantCulture), status, int.Parse(progress, CultureInfo.InvariantCulture))
        : null;
}
