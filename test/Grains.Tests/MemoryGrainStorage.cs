using Orleans.Storage;

namespace OrleansTasks.Grains.Tests;

/// <summary>Grain storage in a dictionary, with ETags, as the chunk stores use it.</summary>
internal sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly Dictionary<(string, GrainId), (object State, string ETag)> _records = [];

    public int Count => _records.Count;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_records.TryGetValue((stateName, grainId), out var record))
        {
            grainState.State = (T)record.State;
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var exists = _records.TryGetValue((stateName, grainId), out var record);
        if (exists ? record.ETag != grainState.ETag : grainState.ETag is not null)
        {
            throw new InconsistentStateException("stale");
        }

        var etag = Guid.NewGuid().ToString("N");
        _records[(stateName, grainId)] = (grainState.State!, etag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _records.Remove((stateName, grainId));
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
