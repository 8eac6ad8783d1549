using System.Collections.Immutable;
using OrleansTasks;

namespace SampleService;

/// <summary>
/// What a reporting service does with OrleansTasks: starts index tasks and a batch under its own
/// owner id, cancels one task, and follows every one of them to its end. Each snapshot it sees is
/// written as one line: <c>snapshot {task|batch} {id} {seq} {status} {progress}</c>.
/// </summary>
public sealed class ReportRun(IClusterClient client, ITaskWatcher watcher, TextWriter output)
{
    private const string Owner = "service:reports";
    private readonly Lock _output = new();

    public async Task RunAsync(int tasks, int documents)
    {
        var collection = $"reports-{Guid.NewGuid():N}";
        var watches = new List<Task>();
        for (var i = 0; i < tasks; i++)
        {
            var taskId = Guid.NewGuid();
            var request = new StartIndexTask(Owner, collection, Documents($"t{i}", documents));
            await RetryAsync(() => client.GetGrain<IIndexTaskGrain>(taskId).Start(request), $"start {taskId}");
            Write($"started task {taskId}");
            watches.Add(WatchTaskAsync(taskId));
        }

        var batchId = Guid.NewGuid();
        var batch = new CreateBatch(Owner,
        [
            new BatchTaskSpec("first", collection, Documents("b1", documents)),
            new BatchTaskSpec("second", collection, Documents("b2", documents), After: ["first"]),
        ]);
        await RetryAsync(() => client.GetGrain<IBatchGrain>(batchId).Create(batch), $"create {batchId}");
        Write($"started batch {batchId}");
        watches.Add(WatchBatchAsync(batchId));

        var cancelled = Guid.NewGuid();
        var cancelledRequest = new StartIndexTask(Owner, collection, Documents("c", documents));
        await RetryAsync(() => client.GetGrain<IIndexTaskGrain>(cancelled).Start(cancelledRequest), $"start {cancelled}");
        Write($"started task {cancelled}");
        watches.Add(WatchTaskAsync(cancelled));
        var outcome = await RetryAsync(() => client.GetGrain<IIndexTaskGrain>(cancelled).Cancel(Owner), $"cancel {cancelled}");
        Write($"cancel {cancelled} {outcome}");

        await Task.WhenAll(watches);
        Write("all ended");
    }

    private async Task WatchTaskAsync(Guid taskId)
    {
        await foreach (var snapshot in watcher.WatchTaskAsync(taskId))
        {
            Write($"snapshot task {taskId} {snapshot.Seq} {snapshot.Status} {snapshot.Progress}");
        }
    }

    private async Task WatchBatchAsync(Guid batchId)
    {
        await foreach (var snapshot in watcher.WatchBatchAsync(batchId))
        {
            Write($"snapshot batch {batchId} {snapshot.Seq} {snapshot.Status} {snapshot.Progress}");
        }
    }

    private Task<T> RetryAsync<T>(Func<Task<T>> call, string what) => ClusterCalls.RetryAsync(call, what, Write);

    private static ImmutableArray<IndexDocument> Documents(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new IndexDocument($"{prefix}-{i}.md", $"Report {i}", $"quarterly report {prefix} {i} revenue region {i % 17} summary {i * 7919 % 1000}"))];

    private void Write(string line)
    {
        lock (_output)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
