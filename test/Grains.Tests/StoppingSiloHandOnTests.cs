using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Indexing;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A stopping silo hands its running task on before the rest of its stop: here the stop of Orleans' <c>Active</c> stage,
/// where the stream agents close, is held until the test lets it go, as a stream agent delivering to a vanished gateway's
/// client held it for 30 s.
/// </summary>
public sealed class StoppingSiloHandOnTests(PostgresServer postgres)
{
    private const int Documents = 8000;

    private static readonly Dictionary<string, string?> Settings = new() { ["Tasks:LeasePeriod"] = "00:00:05" };

    [Fact]
    public async Task A_stopping_silo_hands_its_running_task_on_while_the_rest_of_its_stop_is_held()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "c" + Guid.NewGuid().ToString("N")[..10];
        var collection = "handon";
        var holds = new List<ActiveStageStopHold>();
        await using var first = await StartSiloAsync(database, cluster, holds);
        await using var second = await StartSiloAsync(database, cluster, holds);
        PostgresSilo[] silos = [first, second];
        foreach (var silo in silos)
        {
            // Paced so that the task surely still runs at the stop: 8,000 documents take at least 40 s.
            silo.Services.GetRequiredService<FaultPlan>().PaceIndex(collection, TimeSpan.FromMilliseconds(5));
        }

        var taskId = Guid.NewGuid();
        var grain = first.Client.GetGrain<IIndexTaskGrain>(taskId);
        await grain.Start(new StartIndexTask("alice", collection, Grains.Tests.Documents.Generate(Documents, wordsPerDocument: 60)));
        await Eventually.TrueAsync(async () => (await grain.GetSnapshot())!.Current > 200);
        var hosting = await grain.GetHostingSilo();
        var victimIndex = Array.FindIndex(silos, silo => Hosts(silo, hosting));
        var (victim, survivor) = (silos[victimIndex], silos[1 - victimIndex]);
        var survivorsGrain = survivor.Client.GetGrain<IIndexTaskGrain>(taskId);

        holds[victimIndex].Arm();
        var stopping = victim.StopAsync();
        await Deadline.WaitAsync(holds[victimIndex].Reached, TimeSpan.FromSeconds(30), "the stopping silo's Active stage to begin its stop");
        var handedOn = Eventually.TrueAsync(
            "the task to run on the other silo while the stopping silo's Active stage is held",
            async () => Hosts(survivor, await survivorsGrain.GetHostingSilo()) && (await survivorsGrain.GetSnapshot())!.Status == IndexTaskStatus.Processing,
            TimeSpan.FromSeconds(10));
        try
        {
            await handedOn;
        }
        finally
        {
            survivor.Services.GetRequiredService<FaultPlan>().LiftPaces();
            victim.Services.GetRequiredService<FaultPlan>().LiftPaces();
            holds[victimIndex].Release();
            await stopping;
        }

        await using var watcher = await TaskWatcher.StartAsync(survivor.Client, taskId);
        var terminal = await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(2));

        Assert.False(holds[victimIndex].TimedOut, "the held stage ended before the test released it");
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(Documents, 0, 0), terminal.Counts);
        Assert.Equal(Documents, await survivor.Services.GetRequiredService<IDocumentIndex>().CountWritesAsync(collection, CancellationToken.None));
    }

    [Fact]
    public async Task Two_silos_stopping_together_hand_their_tasks_to_the_third_and_each_completes_once()
    {
        const int Tasks = 6;
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "c" + Guid.NewGuid().ToString("N")[..10];
        var holds = new List<ActiveStageStopHold>();
        await using var first = await StartSiloAsync(database, cluster, holds);
        await using var second = await StartSiloAsync(database, cluster, holds);
        await using var third = await StartSiloAsync(database, cluster, holds);
        PostgresSilo[] silos = [first, second, third];
        var collections = Enumerable.Range(0, Tasks).Select(index => $"together{index}").ToList();
        foreach (var silo in silos)
        {
            foreach (var collection in collections)
            {
                silo.Services.GetRequiredService<FaultPlan>().PaceIndex(collection, TimeSpan.FromMilliseconds(5));
            }
        }

        var taskIds = Enumerable.Range(0, Tasks).Select(_ => Guid.NewGuid()).ToList();
        foreach (var (taskId, index) in taskIds.Select((id, index) => (id, index)))
        {
            var starter = silos[index % silos.Length].Client.GetGrain<IIndexTaskGrain>(taskId);
            await starter.Start(new StartIndexTask("alice", collections[index], Grains.Tests.Documents.Generate(Documents, wordsPerDocument: 60)));
        }

        foreach (var taskId in taskIds)
        {
            var grain = first.Client.GetGrain<IIndexTaskGrain>(taskId);
            await Eventually.TrueAsync($"task {taskId} to be under way", async () => (await grain.GetSnapshot())!.Current > 100, TimeSpan.FromSeconds(60));
        }

        // The silo hosting the fewest tasks stays (so at least four run on the other two); the other two stop at once,
        // so each first sees the other still active.
        var hosts = await Task.WhenAll(taskIds.Select(taskId => first.Client.GetGrain<IIndexTaskGrain>(taskId).GetHostingSilo()));
        var survivor = silos.OrderBy(silo => hosts.Count(host => Hosts(silo, host))).First();
        var stopping = silos.Where(silo => silo != survivor).ToList();
        var onStopping = taskIds.Where((_, index) => !Hosts(survivor, hosts[index])).ToList();

        var stops = stopping.Select(silo => silo.StopAsync()).ToList();
        var refused = 0;
        foreach (var taskId in onStopping)
        {
            var grain = survivor.Client.GetGrain<IIndexTaskGrain>(taskId);
            await Eventually.TrueAsync(
                $"task {taskId} of a stopping silo to be hosted by the silo that stays",
                async () => Hosts(survivor, await HostingSiloWhileMovingAsync(grain, () => refused++)),
                TimeSpan.FromSeconds(20));
        }

        // A caller meanwhile (the gateway answers 503 with Retry-After) is refused only while a task is on its way.
        TestContext.Current.TestOutputHelper?.WriteLine($"calls refused while {onStopping.Count} tasks left the stopping silos: {refused}");

        var watchers = new List<FeedWatcher<IndexTaskSnapshot>>();
        foreach (var taskId in taskIds)
        {
            watchers.Add(await TaskWatcher.StartAsync(survivor.Client, taskId));
        }

        survivor.Services.GetRequiredService<FaultPlan>().LiftPaces();
        await Task.WhenAll(stops);
        foreach (var watcher in watchers)
        {
            await using var watching = watcher;
            var terminal = await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
            Assert.Equal(new TaskCounts(Documents, 0, 0), terminal.Counts);
        }

        var documents = survivor.Services.GetRequiredService<IDocumentIndex>();
        foreach (var collection in collections)
        {
            Assert.Equal(Documents, await documents.CountWritesAsync(collection, CancellationToken.None));
        }
    }

    /// <summary>
    /// Where the task runs, or null while a call to it is rejected: a call that reaches a stopping silo as the
    /// task leaves it is forwarded at most twice (to the other stopping silo, then on) and then refused.
    /// </summary>
    private static async Task<string?> HostingSiloWhileMovingAsync(IIndexTaskGrain grain, Action refused)
    {
        try
        {
            return await grain.GetHostingSilo();
        }
        catch (OrleansMessageRejectionException)
        {
            refused();
            return null;
        }
    }

    private static async Task<PostgresSilo> StartSiloAsync(string database, string cluster, List<ActiveStageStopHold> holds)
    {
        var hold = new ActiveStageStopHold();
        holds.Add(hold);
        return await PostgresSilo.StartAsync(database, cluster, Settings, silo =>
        {
            silo.Services.AddFaultInjection();
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(hold);
        });
    }

    private static bool Hosts(PostgresSilo silo, string? siloAddress) =>
        siloAddress is not null && siloAddress.Contains(":" + silo.SiloPort.ToString(CultureInfo.InvariantCulture) + ":", StringComparison.Ordinal);

    /// <summary>Once armed, holds the stop of the silo's <c>Active</c> stage until released (or the stop is cancelled).</summary>
    private sealed class ActiveStageStopHold : ILifecycleParticipant<ISiloLifecycle>
    {
        private bool _armed;

        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached => _reached.Task;

        /// <summary>The stop was cancelled before the release: the silo's stop timed out while held.</summary>
        public bool TimedOut { get; private set; }

        public void Arm() => _armed = true;

        public void Release() => _released.TrySetResult();

        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(ActiveStageStopHold), ServiceLifecycleStage.Active, _ => Task.CompletedTask, async cancelled =>
            {
                if (!_armed)
                {
                    return;
                }

                _reached.TrySetResult();
                try
                {
                    await _released.Task.WaitAsync(cancelled);
                }
                catch (OperationCanceledException)
                {
                    TimedOut = true;
                }
            });
    }
}
