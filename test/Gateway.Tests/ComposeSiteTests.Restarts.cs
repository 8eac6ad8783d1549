using System.Diagnostics;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The compose site's restart policies and stop grace periods, exercised.</summary>
public sealed partial class ComposeSiteTests
{
    /// <summary>The silos' stop_grace_period in compose.yaml: SIGKILL comes after it.</summary>
    private static readonly TimeSpan SiloGracePeriod = TimeSpan.FromSeconds(90);

    /// <summary>
    /// A silo whose process dies (not stopped through Docker) is started again by its restart policy:
    /// its restart count rises, it becomes healthy by its health check, and the cluster counts its
    /// silos active again (the dead incarnation declared dead, the new one active).
    /// </summary>
    private static async Task A_silo_whose_process_dies_is_brought_back_by_its_restart_policy(ComposeSite site, HttpClient http)
    {
        var silos = await site.RunningContainersAsync("silo");
        var victim = silos[0];
        var restarts = await site.InspectNumberAsync(victim, "{{.RestartCount}}");

        await site.KillProcessAsync(victim);
        await Eventually.TrueAsync($"silo container {victim} to be restarted by its policy and healthy again", async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var state = (await site.InspectAsync(victim, "{{.RestartCount}} {{.State.Status}} {{.State.Health.Status}}")).Split(' ');
            return int.Parse(state[0], System.Globalization.CultureInfo.InvariantCulture) > restarts && state[1..] is ["running", "healthy"];
        }, TimeSpan.FromMinutes(3));
        await WaitUntilTheClusterCountsAsync(site, http, silos.Length);

        Assert.Equal(silos.Length, (await site.RunningContainersAsync("silo")).Length);
    }

    /// <summary>
    /// <c>docker stop</c> of the silo running a task (SIGTERM, then SIGKILL after the compose file's
    /// stop_grace_period, which the container carries as its stop timeout): another silo takes the task
    /// over, which completes with every document written once, and the container exits 0 by itself well
    /// before the grace period ends. The earlier steps killed a gateway and a silo, so the stopping silo's
    /// stream agents may still be delivering to the dead gateway's client: the silo must have handed the task on
    /// before that (it logs the move), not at its grains' deactivation.
    /// </summary>
    private static async Task A_silo_stopped_under_a_task_drains_it_and_exits_within_its_grace_period(ComposeSite site, HttpClient http, int port)
    {
        // Every silo container carries the compose file's grace period. Read before the task is created: the stop must
        // come while it runs.
        var stopTimeout = await site.InspectAsync((await site.ContainersAsync("silo"))[0], "{{.Config.StopTimeout}}");
        var (taskId, collection) = await CreateUploadTaskAsync(http);
        await using var socket = await ConnectAsync(port, http, taskId);
        var (reached, reading) = ReadThrough(site, port, http, socket, taskId, minimum: 10);
        var victim = await SiloRunningAsync(site, taskId);
        await reached;

        var beforeStop = await TaskRequests.GetAsync(http, taskId);
        var stoppedAt = DateTimeOffset.UtcNow;
        var stopping = Stopwatch.StartNew();
        await site.StopAsync(victim);
        var stopped = stopping.Elapsed;
        var exit = await site.InspectAsync(victim, "{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Status}}");
        await using var end = await reading;

        Assert.Equal(((int)SiloGracePeriod.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), stopTimeout);
        Assert.True(beforeStop.GetProperty("status").GetString() == "processing", $"the task had ended before its silo was stopped: {beforeStop}");
        Assert.True(exit == "0 false exited", $"the stopped silo: exit code, OOM-killed, status = {exit} (137 is SIGKILL at the end of the grace period)");
        Assert.True(stopped < SiloGracePeriod - TimeSpan.FromSeconds(10), $"the silo took {stopped.TotalSeconds:F1} s to stop, close to its {SiloGracePeriod.TotalSeconds} s grace period");
        AssertCompletedOnce(taskId, end, UploadLines);
        AssertEndedAfter(end.Tail, stoppedAt, "its silo was stopped");
        await AssertResumedSinceAsync(site, taskId, stoppedAt, "its silo was stopped", besides: victim);
        var victimSaid = await site.LogsAsync(victim, stoppedAt);
        Assert.True(victimSaid.Contains($"Task {taskId} is handed on to silo ", StringComparison.Ordinal),
            $"the stopped silo did not hand task {taskId} on before the rest of its stop; it said:\n{string.Join('\n', victimSaid.Split('\n').TakeLast(40))}");
        await AssertEveryDocumentWrittenOnceAsync(site, collection, UploadLines);
        Console.WriteLine($"ComposeSiteTests: a silo stopped under a task drained in {stopped.TotalSeconds:F1} s");
    }
}
