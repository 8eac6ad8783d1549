using System.Collections.Concurrent;
using OrleansTasks.Feeds;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// Tasks whose grain state the test decides: a watcher reads its first snapshot (and reconciles)
/// from here, while the test publishes events on the task's real stream. This is how a stream
/// that loses, repeats or reorders events is made on purpose.
/// </summary>
public sealed class ScriptedTasks : IFeedSource<IndexTaskSnapshot>
{
    private readonly ConcurrentDictionary<Guid, IndexTaskSnapshot> _current = new();

    public string Name => "task";

    public StreamId StreamFor(Guid id) => TaskStreams.ForTask(id);

    public Task<IndexTaskSnapshot?> ReadAsync(IGrainFactory grains, Guid id) => Task.FromResult(_current.GetValueOrDefault(id));

    /// <summary>What the task's grain answers from now on.</summary>
    public void Set(IndexTaskSnapshot snapshot) => _current[snapshot.TaskId] = snapshot;

    public static IndexTaskSnapshot At(Guid taskId, long seq, int progress, IndexTaskStatus status = IndexTaskStatus.Processing) =>
        TaskSnapshots.At(taskId, seq, progress, status, "service:tests");
}
