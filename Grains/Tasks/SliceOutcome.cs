namespace OrleansTasks.Tasks;

/// <summary>
/// What became of a slice: its documents indexed (both null), an <see cref="Error"/> that ends the
/// task, or a <see cref="TransientFailure"/> of the index, to be retried by the task's policy.
/// </summary>
public sealed record SliceOutcome(TaskError? Error = null, Exception? TransientFailure = null)
{
    public static readonly SliceOutcome Indexed = new();
}
