namespace OrleansTasks;

/// <summary>Reads the dependency chain ending at one task, keyed by that task's id.</summary>
[Alias("OrleansTasks.ITaskChainGrain")]
public interface ITaskChainGrain : IGrainWithGuidKey
{
    /// <summary>The task and all its direct and indirect dependencies, or <c>null</c> when no task has this id.</summary>
    [Alias("GetChain")]
    Task<ChainSnapshot?> GetChain();
}
