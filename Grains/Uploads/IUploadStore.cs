namespace OrleansTasks.Uploads;

/// <summary>
/// Where uploads are kept, readable by every silo of the cluster: PostgreSQL when the cluster has a
/// database (<see cref="PostgresUploadStore"/>), files on the one machine otherwise
/// (<see cref="FileUploadStore"/>). An upload is written as a row that is not complete, its body in
/// chunks of <see cref="UploadChunks.Bytes"/> in order, then completed; <see cref="UploadReceiver"/>
/// does the writing. The store also keeps which tasks read an upload, for the retention sweep.
/// </summary>
public interface IUploadStore
{
    /// <summary>Writes the row of a new upload, not complete, with no bytes.</summary>
    Task BeginAsync(Guid id, string ownerId, DateTimeOffset createdAt, CancellationToken cancellationToken);

    /// <summary>Appends chunk <paramref name="sequence"/> (from 0); every chunk but the last is exactly <see cref="UploadChunks.Bytes"/> long.</summary>
    Task AppendAsync(Guid id, long sequence, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    /// <summary>Marks the upload complete, with its size and its documents.</summary>
    Task CompleteAsync(Guid id, long bytes, long lines, CancellationToken cancellationToken);

    /// <summary>The upload, complete or not; null when there is none.</summary>
    Task<UploadInfo?> FindAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>A seekable, read-only stream over a complete upload's body; null when there is no complete upload with this id.</summary>
    Task<Stream?> OpenReadAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Removes the upload and its body; nothing happens when there is none.</summary>
    Task DeleteAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="taskId"/> reads the upload (idempotent).</summary>
    Task AddReaderAsync(Guid id, Guid taskId, CancellationToken cancellationToken);

    /// <summary>Forgets that <paramref name="taskId"/> reads the upload (when the task is purged).</summary>
    Task RemoveReaderAsync(Guid id, Guid taskId, CancellationToken cancellationToken);

    /// <summary>The tasks recorded as reading the upload.</summary>
    Task<IReadOnlyList<Guid>> ReadersAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the complete uploads created before <paramref name="completeBefore"/> and the incomplete ones created
    /// before <paramref name="incompleteBefore"/> that no task reads; returns how many went.
    /// </summary>
    Task<int> PurgeAsync(DateTimeOffset completeBefore, DateTimeOffset incompleteBefore, CancellationToken cancellationToken);
}
