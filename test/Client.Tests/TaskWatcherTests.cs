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
    private async Task<(IHost Service, ScriptedTasks Tasks, Guid Id)> StartScriptedAsync(TimeSpan? silence = null)
    {
        var tasks = new ScriptedTasks();
        var service = await cluster.StartServiceAsync(
            options => options.StreamSilenceTimeout = silence ?? TimeSpan.FromMinutes(5),
            services => services.AddSingleton<IFeedSource<IndexTaskSnapshot>>(tasks));
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
}
