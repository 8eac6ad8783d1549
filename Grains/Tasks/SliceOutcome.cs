namespace OrleansTasks.Tasks;

/// <summary>
/// What became of a slice (or a turn of a source's counting pass): its documents indexed (both null), an
/// <see cref="Error"/> that ends the task, or a <see cref="TransientFailure"/> (of the index, a source's
/// read or listing), to be retried by the task's policy.
/// </summary>
public sealed record SliceOutcome(TaskError? Error = null, Exception? TransientFailure = null)
{
    public static readonly SliceOutcome Indexed = new();

    /// <summary>A turn of a source's counting pass went through (as <see cref="Indexed"/>, it carries neither an error nor a failure).</summary>
    public static readonly SliceOutcome Counted = new();
}
