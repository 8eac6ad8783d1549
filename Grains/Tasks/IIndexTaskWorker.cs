using Orleans.Concurrency;

namespace OrleansTasks.Tasks;

/// <summary>
/// The task grain's own driver: each <see cref="RunSlice"/> call is one slice of the run, so other
/// calls run between slices. Version 1 added <see cref="AddDependant"/> and <see cref="Acknowledge"/>, version 2
/// <see cref="MoveTo"/>: their callers are served only by silos that know them.
/// </summary>
[Alias("OrleansTasks.Tasks.IIndexTaskWorker"), Orleans.CodeGeneration.Version(2)]
public interface IIndexTaskWorker : IGrainWithGuidKey
{
    /// <summary>Makes sure an unfinished task is running or queued; harmless when it already is.</summary>
    [OneWay, Alias("Wake")]
    Task Wake();

    /// <summary>
    /// The admission queue granted the task a slot on <paramref name="silo"/> (a silo address, parsable form) while it
    /// waits on another, or the task's silo stops and hands it on: its activation moves there once idle, and asks for a
    /// slot from there. Harmless when it is there already (it asks at once) or has ended; a silo that is not active is
    /// ignored (the queue gives the move up; a stopping silo tells it again toward another).
    /// </summary>
    [OneWay, Alias("MoveTo")]
    Task MoveTo(string silo);

    /// <summary>Deletes an ended task with its documents, results and history; false (nothing done) while it has not ended.</summary>
    [Alias("Purge")]
    Task<bool> Purge();

    /// <summary>One slice of the run; ignored unless <paramref name="token"/> is the slice the task is waiting for.</summary>
    /// <remarks>Its wire name stays "RunBatch", the slice's earlier name, so that running clusters upgrade.</remarks>
    [OneWay, Alias("RunBatch")]
    Task RunSlice(long token);

    /// <summary>
    /// Registers <paramref name="dependant"/> to be told when this task ends, and returns this
    /// task's state (null when there is no such task). A task that has already ended registers
    /// nothing: its returned state is the answer. Registering twice changes nothing.
    /// </summary>
    [Alias("AddDependant")]
    Task<IndexTaskSnapshot?> AddDependant(Guid dependant);

    /// <summary>The follower has taken in the end of this task; it is not told again.</summary>
    [OneWay, Alias("Acknowledge")]
    Task Acknowledge(GrainId follower);
}
