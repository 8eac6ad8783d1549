namespace OrleansTasks;

/// <summary>Why a task or batch could not be retried; nothing was created or changed.</summary>
[GenerateSerializer, Alias("OrleansTasks.RetryRefusal")]
public enum RetryRefusal
{
    /// <summary>No task or batch has this id.</summary>
    NotFound = 0,

    /// <summary>It has not ended yet: only a failed, cancelled or completed one can be retried.</summary>
    NotEnded = 1,

    /// <summary>It has no failed or unprocessed document (a task) or no failed or cancelled task (a batch).</summary>
    NothingToRetry = 2,

    /// <summary>It has been retried already, by <see cref="RetryRefusedException.RetriedBy"/>.</summary>
    AlreadyRetried = 3,

    /// <summary>The documents to retry are no longer stored (the task ended under a release that dropped them, or storage lost them).</summary>
    DocumentsGone = 4,

    /// <summary>
    /// The directory of a task accepted before sources streamed, which its retry reads at once, cannot be read. (A
    /// streaming source task's retry is a new source task: a directory gone refuses it as a create,
    /// <see cref="InvalidRequestException"/>.)
    /// </summary>
    SourceUnreadable = 5,

    /// <summary>Silos of an earlier release, which cannot run a retry, are still in the cluster: it can be retried once every silo runs this release.</summary>
    ClusterUpgrading = 6,
}
