using System.Security.Cryptography;

namespace OrleansTasks.Tasks;

/// <summary>
/// What retrying an ended task means, as plain functions: the id of its retry (derived from its own, so
/// that a retry interrupted between creating the new task and recording the link creates no second one),
/// the positions of the documents that run again, and the refusals.
/// </summary>
public static class TaskRetries
{
    /// <summary>The id of the task, or batch, that retries <paramref name="original"/>: the same for every call.</summary>
    public static Guid IdOf(Guid original)
    {
        Span<byte> name = stackalloc byte[22];
        "retry:"u8.CopyTo(name);
        original.TryWriteBytes(name[6..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(name, hash);

        // A version-8 (name-based, custom hash) UUID, so it never collides with a random version-4 one.
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>
    /// The positions of the documents a retry of <paramref name="task"/> runs again, ascending: those whose
    /// recorded outcome (<paramref name="results"/>, in document order) is failed, then every one the task
    /// did not reach.
    /// </summary>
    public static async Task<List<int>> PositionsAsync(IndexTaskState task, IAsyncEnumerable<DocumentResult> results)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(results);
        var positions = new List<int>();
        var position = 0;
        await foreach (var result in results)
        {
            if (position >= task.Current)
            {
                break;
            }

            if (result.Outcome == DocumentOutcome.Failed)
            {
                positions.Add(position);
            }

            position++;
        }

        for (position = task.Current; position < task.Total; position++)
        {
            positions.Add(position);
        }

        return positions;
    }

    /// <summary>
    /// The documents of a directory-source task as its source holds them now: each of <paramref name="stored"/>
    /// in its fresh version, those whose file is gone left out.
    /// </summary>
    public static List<IndexDocument> Refresh(IReadOnlyList<IndexDocument> stored, IReadOnlyList<IndexDocument> fresh)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(fresh);
        var byId = new Dictionary<string, IndexDocument>(StringComparer.Ordinal);
        foreach (var document in fresh)
        {
            byId.TryAdd(document.Id, document);
        }

        return [.. stored.Where(document => byId.ContainsKey(document.Id)).Select(document => byId[document.Id])];
    }

    /// <summary>Refuses a retry of a task that cannot be retried now, or null when it can.</summary>
    public static RetryRefusedException? Refusal(IndexTaskState task, Guid requestId)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!task.Accepted)
        {
            return new RetryRefusedException(RetryRefusal.NotFound, "No task has this id.");
        }

        if (task.RetryLinks?.RetriedBy is { } retriedBy && task.RetryLinks.RetryRequestId != requestId)
        {
            return new RetryRefusedException(RetryRefusal.AlreadyRetried, $"The task has already been retried by task {retriedBy}.", retriedBy);
        }

        if (!task.Status.IsTerminal())
        {
            return new RetryRefusedException(RetryRefusal.NotEnded, "The task has not ended; only a failed, cancelled or completed task can be retried.");
        }

        return task.Status == IndexTaskStatus.Completed && task.Counts.Failed == 0
            ? NothingToRetry()
            : null;
    }

    public static RetryRefusedException NothingToRetry() =>
        new(RetryRefusal.NothingToRetry, "The task has no failed or unprocessed document to retry.");

    public static RetryRefusedException DocumentsGone() =>
        new(RetryRefusal.DocumentsGone, "The documents to retry are no longer stored; create a new task with them instead.");

    /// <summary>
    /// Refuses a retry while a silo of an earlier release is in the cluster: the retry's new task (or batch)
    /// might be placed on it, which would drop its link to the original.
    /// </summary>
    public static RetryRefusedException? WhileUpgrading(IServiceProvider services) =>
        ClusterSupport.EverySiloServes<ITaskRetry>(services) ? null : Upgrading();

    /// <summary>The refusal while silos of an earlier release, which cannot run a retry, are in the cluster.</summary>
    public static RetryRefusedException Upgrading() =>
        new(RetryRefusal.ClusterUpgrading, "Silos of an earlier release, which cannot run a retry, are still in the cluster; retry once every silo runs this release.");

    public static RetryRefusedException SourceUnreadable(string reason) =>
        new(RetryRefusal.SourceUnreadable, "The task's source, which a retry reads again, cannot be read: " + reason);

    /// <summary>
    /// The new task that retries <paramref name="task"/> (<paramref name="original"/>): its owner and collection,
    /// the documents to run again, and the settings it was accepted with (priority, retry policy, time limit),
    /// so that a retry runs as its original would have: one accepted without a limit stays without one
    /// (<see cref="StartIndexTask.NoTimeout"/>), whatever <c>Tasks:DefaultTimeout</c> says now.
    /// </summary>
    public static StartIndexTask Request(Guid original, IndexTaskState task, IEnumerable<IndexDocument> documents, IEnumerable<Guid> dependsOn, Guid? batchId)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new StartIndexTask(task.OwnerId, task.Collection, [.. documents], DependsOn: [.. dependsOn], BatchId: batchId, RetryOf: original,
            Retry: task.Retry, Timeout: task.Timeout ?? StartIndexTask.NoTimeout)
        {
            Priority = task.Priority,
        };
    }

    /// <summary>Records on the original task that <paramref name="retryId"/> retries it, for the request <paramref name="requestId"/>.</summary>
    public static void Link(IndexTaskState next, Guid retryId, Guid requestId)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.RetryLinks ??= new TaskRetryLinks();
        next.RetryLinks.RetriedBy = retryId;
        next.RetryLinks.RetryRequestId = requestId;
    }

    /// <summary>
    /// The task to wait for in place of <paramref name="dependency"/>: the dependency itself, unless it has not
    /// completed and has been retried, then its latest retry (a retried batch retries a task's dependencies first).
    /// </summary>
    public static async Task<Guid> LatestRetryAsync(IGrainFactory grains, Guid dependency)
    {
        ArgumentNullException.ThrowIfNull(grains);
        const int MaxHops = 100;
        var latest = dependency;
        for (var hops = 0; hops < MaxHops; hops++)
        {
            if (await grains.GetGrain<IIndexTaskGrain>(latest).GetSnapshot() is not { Status: not IndexTaskStatus.Completed, RetriedBy: { } next })
            {
                break;
            }

            latest = next;
        }

        return latest;
    }
}
