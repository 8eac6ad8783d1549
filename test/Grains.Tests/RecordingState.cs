using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>A task's persistent state in memory, recording each write; <see cref="Fail"/> makes writes and clears throw.</summary>
internal sealed class RecordingState : IPersistentState<IndexTaskState>
{
    public Exception? Fail { get; set; }

    public List<IndexTaskState> Written { get; } = [];

    /// <summary>Called at each successful write, for tests that follow the order of events.</summary>
    public Action? Writing { get; set; }

    public IndexTaskState State { get; set; } = new();

    public string? Etag => null;

    public bool RecordExists => Written.Count > 0;

    public Task ClearStateAsync() => Fail is null ? Task.CompletedTask : throw Fail;

    public Task ReadStateAsync() => Task.CompletedTask;

    public Task WriteStateAsync()
    {
        if (Fail is not null)
        {
            throw Fail;
        }

        Written.Add(State);
        Writing?.Invoke();
        return Task.CompletedTask;
    }
}
