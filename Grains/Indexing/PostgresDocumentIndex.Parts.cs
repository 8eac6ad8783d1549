using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;

namespace OrleansTasks.Indexing;

public sealed partial class PostgresDocumentIndex
{
    /// <summary>The most connections one slice's upsert writes on at once.</summary>
    public int ConnectionsPerSlice { get; }

    /// <summary>The connections this silo's slices share beyond one each.</summary>
    public ExtraIndexConnections ExtraConnections { get; }

    /// <summary>
    /// Writes a slice as <see cref="SliceParts"/> at once, each part one statement on a pooled connection of its own,
    /// retried on its own; as many parts as <see cref="ExtraConnections"/> allow now. The slice ends when every part
    /// has: a part that failed fails it (<see cref="SliceParts.Failure"/>), while a part written meanwhile stays
    /// written, and the slice tried again finds those documents written by this task, as after a crash.
    /// </summary>
    public async Task<IReadOnlyList<IndexWrite>> UpsertAsync(
        string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var wanted = SliceParts.Of(documents.Count, ConnectionsPerSlice).Count;
        using var extra = ExtraConnections.Take(wanted - 1);
        var parts = SliceParts.Of(documents.Count, 1 + extra.Count);
        Activity.Current?.SetTag("orleans_tasks.index_parts", parts.Count);
        if (parts.Count == 1)
        {
            return await UpsertStatementAsync(collection, taskId, documents, cancellationToken);
        }

        var writes = parts.Select(part =>
        {
            var (offset, length) = part.GetOffsetAndLength(documents.Count);
            var slice = documents.Skip(offset).Take(length).ToList();
            return Task.Run(() => UpsertStatementAsync(collection, taskId, slice, cancellationToken), CancellationToken.None);
        }).ToList();
        try
        {
            await Task.WhenAll(writes);
        }
        catch (Exception) when (writes.Where(write => write.IsFaulted).SelectMany(write => write.Exception!.InnerExceptions).ToList() is { Count: > 1 } failures)
        {
            var failure = SliceParts.Failure(failures);
            foreach (var other in failures.Where(other => !ReferenceEquals(other, failure)))
            {
                Log.OtherPartFailed(_logger, other, taskId, parts.Count);
            }

            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return [.. writes.SelectMany(write => write.Result)];
    }

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Warning, "Task {TaskId}: more than one of a slice's {Parts} parts failed; the slice reports the one the task weighs most, and this one besides")]
        public static partial void OtherPartFailed(ILogger logger, Exception exception, Guid taskId, int parts);
    }
}
