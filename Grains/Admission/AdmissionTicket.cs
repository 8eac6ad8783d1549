using OrleansTasks.Tasks;

namespace OrleansTasks.Admission;

/// <summary>
/// What the admission queue ranks a task by. <see cref="QueuedAt"/> comes from the task's own
/// durable state, so a task that asks again (after its silo died, or after the queue dropped it)
/// gets back the place it had.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.Admission.AdmissionTicket")]
public sealed record AdmissionTicket(
    [property: Id(0)] Guid TaskId,
    [property: Id(1)] string OwnerId,
    [property: Id(2)] TaskPriority Priority,
    [property: Id(3)] DateTimeOffset QueuedAt)
{
    /// <summary>
    /// The task is <c>processing</c>: it started (it took a slot), so it counts toward its owner's
    /// <c>Tasks:MaxRunningPerUser</c> and may rest (see <see cref="AdmissionPlace.Resting"/>). False for a
    /// <c>pending</c> task, which never rests, and in a payload of an earlier build, which did not send it.
    /// </summary>
    [Id(4)] public bool Processing { get; init; }

    /// <summary>
    /// A task queues from when it became <c>pending</c>, not counting time it waited for dependencies or its
    /// <c>run_at</c>; a task stored by an earlier build, which kept no such time, from its creation or its <c>run_at</c>.
    /// </summary>
    public static AdmissionTicket Of(Guid taskId, IndexTaskState task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var queuedAt = task.QueuedAt ?? (task.RunAt is { } runAt && runAt > task.CreatedAt ? runAt : task.CreatedAt);
        return new(taskId, task.OwnerId, task.Priority, queuedAt) { Processing = task.Status == IndexTaskStatus.Processing };
    }
}
