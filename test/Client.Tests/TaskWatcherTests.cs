using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Streams;
using OrleansTasks.Feeds;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>The watcher's guarantees against a real in-memory silo and its task streams.</summary>
[Collection(MemoryClusterCollection.Name)]
public sealed class TaskWatcherTests(MemoryCluster cluster)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private static IAsyncStream<IndexTaskSnapshot> StreamOf(IHost service, Guid taskId) =>
        service.Services.GetRequiredService<IClusterClient>().GetStreamProvider(TaskStreams.ProviderName).GetStream<IndexTaskSnapshot>(TaskStreams.ForTask(taskId));

    /// <summary>A service whose task grains <see cref="ScriptedTasks"/> plays, with one task at seq 1.</summary>
    private async Task<(IHost Service, ScriptedTasks Tasks, Guid Id)> StartScriptedAsync(
        TimeSpan? silence = null, int? queueLength = null, Action<IServiceCollection>? services = null)
    {
        var tasks = new ScriptedTasks();
        var service = await cluster.StartServiceAsync(
            options =>
            {
                options.StreamSilenceTimeout = silence ?? TimeSpan.FromMinutes(5);
                options.WatchQueueLength = queueLength ?? options.WatchQueueLength;
            },
            registered =>
            {
                registered.AddSingleton<IFeedSource<IndexTaskSnapshot>>(tasks);
                services?.Invoke(registered);
            });
        var id = Guid.NewGuid();
        tasks.Set(ScriptedTasks.At(id, 1, 0));
        return (service, tasks, id);
    }

    private static ClientFeedMetrics MetricsOf(IHost service) => (ClientFeedMetrics)service.Services.GetRequiredService<IFeedMetrics>();

    /// <summary>Collects a watch in the background; <see cref="First"/> completes with the first snapshot.</summary>
    private sealed class Collected
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<IndexTaskSnapshot> _seen = [];

        public Collected(IAsyncEnumerable<IndexTaskSnapshot> watch) => Ended = RunAsync(watch);

        public Task First => _first.Task;

        public Task Ended { get; }

        public IReadOnlyList<long> Seqs
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen.Select(snapshot => snapshot.Seq)];
                }
            }
        }

        private async Task RunAsync(IAsyncEnumerable<IndexTaskSnapshot> watch)
        {
            await foreach (var snapshot in watch)
            {
                lock (_seen)
                {
                    _seen.Add(snapshot);
                }

                _first.TrySetResult();
            }
        }
    }

    [Fact]
    public async Task Duplicates_stale_and_backward_events_are_dropped_and_the_watch_ends_after_the_terminal()
    {
        var (service, _, id) = await StartScriptedAsync();
        using var started = service;
        var watch = new Collected(service.Services.GetRequiredService<ITaskWatcher>().WatchTaskAsync(id));
        await Deadline.WaitAsync(watch.First, WaitLimit, "the first snapshot");

        var stream = StreamOf(service, id);
        foreach (var (seq, progress) in new[] { (3L, 30), (2L, 20), (3L, 30), (1L, 0), (5L, 25), (6L, 60) })
        {
            await stream.OnNextAsync(ScriptedTasks.At(id, seq, progress));
        }

        await stream.OnNextAsync(ScriptedTasks.At(id, 7, 100, IndexTaskStatus.Completed));
        await stream.OnNextAsync(ScriptedTasks.At(id, 7, 100, IndexTaskStatus.Completed));
        await Deadline.WaitAsync(watch.Ended, WaitLimit, "the watch to end after the terminal snapshot");

        Assert.Equal([1L, 3, 6, 7], watch.Seqs);
        await service.StopAsync();
    }

    [Fact]
    public async Task A_terminal_event_the_stream_lost_is_read_back_from_the_grain()
    {
        var (service, tasks, id) = await StartScriptedAsync(silence: TimeSpan.FromMilliseconds(500));
        using var started = service;
        var watch = new Collected(service.Services.GetRequiredService<ITaskWatcher>().WatchTaskAsync(id));
        await Deadline.WaitAsync(watch.First, WaitLimit, "the first snapshot");
        await StreamOf(service, id).OnNextAsync(ScriptedTasks.At(id, 2, 50));
        await Eventually.TrueAsync(() => watch.Seqs.Contains(2), WaitLimit, "the progress event before the end to arrive");

        // The task ends, but its terminal event never reaches the stream.
        tasks.Set(ScriptedTasks.At(id, 3, 100, IndexTaskStatus.Failed));
        await Deadline.WaitAsync(watch.Ended, TimeSpan.FromSeconds(15), "the terminal snapshot through reconciliation");

        Assert.Equal([1L, 2, 3], watch.Seqs);
        Assert.True(service.Services.GetRequiredService<IFeedMetrics>() is ClientFeedMetrics, "the service counts its feeds on its own meter");
        await service.StopAsync();
    }

    [Fact]
    public async Task Many_watchers_of_one_task_share_one_subscription_and_all_see_the_same_end()
    {
        var (service, _, id) = await StartScriptedAsync();
        using var started = service;
        var metrics = MetricsOf(service);
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        var watches = Enumerable.Range(0, 50).Select(_ => new Collected(watcher.WatchTaskAsync(id))).ToList();
        await Deadline.WaitAsync(Task.WhenAll(watches.Select(watch => watch.First)), WaitLimit, "every watcher's first snapshot");

        Assert.Equal(1, metrics.Subscriptions);
        var stream = StreamOf(service, id);
        await stream.OnNextAsync(ScriptedTasks.At(id, 2, 40));
        await stream.OnNextAsync(ScriptedTasks.At(id, 3, 100, IndexTaskStatus.Completed));
        await Deadline.WaitAsync(Task.WhenAll(watches.Select(watch => watch.Ended)), WaitLimit, "every watcher's end");

        Assert.All(watches, watch => Assert.Equal([1L, 2, 3], watch.Seqs));
        await Eventually.TrueAsync("the subscription to be given back", () => Task.FromResult(metrics.Subscriptions == 0), WaitLimit);
        await service.StopAsync();
    }

    [Fact]
    public async Task A_cancelled_token_ends_the_watch_promptly_and_gives_the_subscription_back()
    {
        var (service, _, id) = await StartScriptedAsync();
        using var started = service;
        var metrics = MetricsOf(service);
        using var cancel = new CancellationTokenSource();
        var watch = new Collected(service.Services.GetRequiredService<ITaskWatcher>().WatchTaskAsync(id, cancel.Token));
        await Deadline.WaitAsync(watch.First, WaitLimit, "the first snapshot");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Deadline.WaitAsync(watch.Ended, TimeSpan.FromSeconds(5), "the cancelled watch to end"));
        await Eventually.TrueAsync("the subscription to be given back", () => Task.FromResult(metrics.Subscriptions == 0), WaitLimit);
        await service.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_ends_an_open_watch_promptly()
    {
        var (service, _, id) = await StartScriptedAsync();
        using var started = service;
        var watch = new Collected(service.Services.GetRequiredService<ITaskWatcher>().WatchTaskAsync(id));
        await Deadline.WaitAsync(watch.First, WaitLimit, "the first snapshot");

        var stopping = service.StopAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Deadline.WaitAsync(watch.Ended, TimeSpan.FromSeconds(5), "the watch to end as its host stops"));
        await Deadline.WaitAsync(stopping, WaitLimit, "the host to stop");
    }

    [Fact]
    public async Task An_unknown_task_or_batch_throws_its_typed_exception_at_once()
    {
        using var service = await cluster.StartServiceAsync();
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        var taskId = Guid.NewGuid();
        var batchId = Guid.NewGuid();

        var task = await Assert.ThrowsAsync<TaskNotFoundException>(() => Deadline.WaitAsync(
            watcher.WatchTaskAsync(taskId).GetAsyncEnumerator().MoveNextAsync().AsTask(), WaitLimit, "the unknown task's answer"));
        var batch = await Assert.ThrowsAsync<BatchNotFoundException>(() => Deadline.WaitAsync(
            watcher.WatchBatchAsync(batchId).GetAsyncEnumerator().MoveNextAsync().AsTask(), WaitLimit, "the unknown batch's answer"));

        Assert.Equal(taskId, task.TaskId);
        Assert.Equal(batchId, batch.BatchId);
        var metrics = MetricsOf(service);
        await Eventually.TrueAsync("the subscriptions to be given back", () => Task.FromResult(metrics.Subscriptions == 0), WaitLimit);
        await service.StopAsync();
    }

    [Fact]
    public async Task A_real_task_and_batch_are_watched_from_their_grains_to_their_ends()
    {
        using var service = await cluster.StartServiceAsync();
        var client = service.Services.GetRequiredService<IClusterClient>();
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        ImmutableArray<IndexDocument> documents = [.. Enumerable.Range(0, 200).Select(i => new IndexDocument($"d{i}.md", null, TaskRequests.Content(i, 40)))];
        var taskId = Guid.NewGuid();
        await client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask("service:tests", "watched", documents));
        var batchId = Guid.NewGuid();
        await client.GetGrain<IBatchGrain>(batchId).Create(new CreateBatch("service:tests", [new BatchTaskSpec("a", "watched-batch", documents)]));

        var taskSeen = await Deadline.RunAsync(cancel => watcher.WatchTaskAsync(taskId, cancel).ToListAsync(cancel).AsTask(), WaitLimit, "the task's watch");
        var batchSeen = await Deadline.RunAsync(cancel => watcher.WatchBatchAsync(batchId, cancel).ToListAsync(cancel).AsTask(), WaitLimit, "the batch's watch");

        Assert.Equal(IndexTaskStatus.Completed, taskSeen[^1].Status);
        Assert.Single(taskSeen, snapshot => snapshot.IsTerminal);
        Assert.True(taskSeen.Zip(taskSeen.Skip(1)).All(pair => pair.First.Seq < pair.Second.Seq), "seq rises strictly");
        Assert.True(batchSeen[^1].IsTerminal, "the batch's watch ends with its terminal snapshot");
        Assert.Single(batchSeen, snapshot => snapshot.IsTerminal);
        await service.StopAsync();
    }

    [Fact]
    public async Task A_stream_error_has_the_grain_read_back_at_the_next_sweep_without_waiting_for_silence()
    {
        var silence = TimeSpan.FromSeconds(30);
        var (service, tasks, id) = await StartScriptedAsync(silence, services: ErrorReportingStreams.Install);
        using var started = service;
        var watch = new Collected(service.Services.GetRequiredService<ITaskWatcher>().WatchTaskAsync(id));
        await Deadline.WaitAsync(watch.First, WaitLimit, "the first snapshot");

        // The task ends, its terminal event is lost, and the stream's pulling agent reports an error.
        tasks.Set(ScriptedTasks.At(id, 2, 100, IndexTaskStatus.Completed));
        await service.Services.GetRequiredService<ErrorReportingStreams>().ReportErrorAsync(new StreamEventDeliveryFailureException("events lost"));

        // Sweeps run every fifth of the silence timeout (6 s): silence alone would take 30 s.
        await Deadline.WaitAsync(watch.Ended, silence / 2, "the terminal snapshot read back after the stream's error, well before its silence timeout");
        Assert.Equal([1L, 2], watch.Seqs);
        await service.StopAsync();
    }

    [Fact]
    public async Task A_watcher_behind_by_more_than_its_queue_length_keeps_the_newest_progress_and_never_loses_the_terminal()
    {
        var (service, _, id) = await StartScriptedAsync(queueLength: 2);
        using var started = service;
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        await using var slow = watcher.WatchTaskAsync(id).GetAsyncEnumerator();
        Assert.True(await slow.MoveNextAsync());
        Assert.Equal(1, slow.Current.Seq);

        // A second watcher keeps reading: once it has the terminal, the shared feed has queued every event to the slow one too.
        var keeping = new Collected(watcher.WatchTaskAsync(id));
        await Deadline.WaitAsync(keeping.First, WaitLimit, "the keeping watcher's first snapshot");
        var stream = StreamOf(service, id);
        for (var seq = 2; seq <= 9; seq++)
        {
            await stream.OnNextAsync(ScriptedTasks.At(id, seq, seq * 10));
        }

        await stream.OnNextAsync(ScriptedTasks.At(id, 10, 100, IndexTaskStatus.Completed));
        await Deadline.WaitAsync(keeping.Ended, WaitLimit, "the keeping watcher's terminal snapshot");

        var rest = new List<long>();
        while (await Deadline.WaitAsync(slow.MoveNextAsync().AsTask(), WaitLimit, "the slow watcher's next snapshot"))
        {
            rest.Add(slow.Current.Seq);
        }

        // The queue length is the service's: the keeping watcher only ends, the slow one holds the newest two and the end.
        Assert.Equal(10, keeping.Seqs[^1]);
        Assert.Equal([8L, 9, 10], rest);
        await service.StopAsync();
    }

    [Fact]
    public async Task A_watch_joined_after_the_task_ended_yields_its_terminal_snapshot_once_and_ends()
    {
        using var service = await cluster.StartServiceAsync();
        var client = service.Services.GetRequiredService<IClusterClient>();
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        var taskId = Guid.NewGuid();
        await client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask("service:tests", "joined-late", [new IndexDocument("a.md", null, "alpha beta")]));
        await Eventually.TrueAsync("the task to end", async () => (await client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot())?.IsTerminal == true, WaitLimit);

        var seen = await Deadline.RunAsync(cancel => watcher.WatchTaskAsync(taskId, cancel).ToListAsync(cancel).AsTask(), WaitLimit, "the late watch to end");

        var terminal = Assert.Single(seen);
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        var metrics = MetricsOf(service);
        await Eventually.TrueAsync("the subscription to be given back", () => Task.FromResult(metrics.Subscriptions == 0), WaitLimit);
        await service.StopAsync();
    }

    [Fact]
    public async Task Breaking_out_of_a_watch_detaches_it_and_the_last_watcher_out_gives_the_subscription_back()
    {
        var (service, _, id) = await StartScriptedAsync();
        using var started = service;
        var metrics = MetricsOf(service);
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        var stream = StreamOf(service, id);
        var staying = watcher.WatchTaskAsync(id).GetAsyncEnumerator();
        Assert.True(await staying.MoveNextAsync());

        await foreach (var snapshot in watcher.WatchTaskAsync(id))
        {
            Assert.Equal(1, snapshot.Seq);
            break;
        }

        Assert.Equal(1, metrics.Subscriptions);
        Assert.Single(await stream.GetAllSubscriptionHandles());
        await stream.OnNextAsync(ScriptedTasks.At(id, 2, 20));
        Assert.True(await Deadline.WaitAsync(staying.MoveNextAsync().AsTask(), WaitLimit, "the remaining watcher's next event"));
        Assert.Equal(2, staying.Current.Seq);

        // What a break does to the last one: its enumerator is disposed.
        await staying.DisposeAsync();

        await Eventually.TrueAsync("the subscription to be given back", () => Task.FromResult(metrics.Subscriptions == 0), WaitLimit);
        Assert.Empty(await stream.GetAllSubscriptionHandles());
        await service.StopAsync();
    }
}
