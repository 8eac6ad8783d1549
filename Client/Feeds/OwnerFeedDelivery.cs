using System.Diagnostics.CodeAnalysis;

namespace OrleansTasks.Feeds;

/// <summary>
/// The delivery rules of an owner feed's listener: each task's changes in rising <c>seq</c>, no
/// duplicates, progress never backwards; a listener that falls behind keeps, per task, only the
/// newest change it has not taken — so a task's last change is never lost, and memory is bounded by
/// the tasks with something pending. The feed never ends. What was sent is remembered for every
/// unfinished task and for the <see cref="EndedRemembered"/> tasks that ended last.
/// Not thread-safe: its owner serialises calls.
/// </summary>
public sealed class OwnerFeedDelivery : IFeedBacklog<TaskSummary>
{
    /// <summary>How many ended tasks are remembered so that a late copy of their end is not sent again.</summary>
    public const int EndedRemembered = 10_000;

    private readonly Dictionary<Guid, TaskSummary> _pending = [];
    private readonly Queue<Guid> _order = new();
    private readonly Dictionary<Guid, TaskSummary> _sent = [];
    private readonly Queue<Guid> _ended = new();
    private bool _connectedTaken;

    /// <inheritdoc/>
    public bool IsStarted { get; private set; }

    /// <inheritdoc/>
    public FeedDeliveryOutcome Queue(TaskSummary snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (_sent.TryGetValue(snapshot.TaskId, out var sent) && !Follows(sent, snapshot))
        {
            return FeedDeliveryOutcome.Dropped;
        }

        if (_pending.TryGetValue(snapshot.TaskId, out var waiting))
        {
            if (!Follows(waiting, snapshot))
            {
                return FeedDeliveryOutcome.Dropped;
            }

            _pending[snapshot.TaskId] = snapshot;
            return FeedDeliveryOutcome.Coalesced;
        }

        _pending.Add(snapshot.TaskId, snapshot);
        _order.Enqueue(snapshot.TaskId);
        return FeedDeliveryOutcome.Queued;
    }

    /// <summary>Begins the feed; an owner feed has no first snapshot, so <paramref name="first"/> must be null.</summary>
    public void Start(TaskSummary? first)
    {
        if (first is not null)
        {
            throw new ArgumentException("An owner feed starts without a snapshot.", nameof(first));
        }

        IsStarted = true;
    }

    /// <inheritdoc/>
    public bool TryTakeFirst(out TaskSummary? first)
    {
        first = null;
        if (!IsStarted || _connectedTaken)
        {
            return false;
        }

        _connectedTaken = true;
        return true;
    }

    /// <inheritdoc/>
    public bool TryTakeNext([MaybeNullWhen(false)] out TaskSummary snapshot)
    {
        snapshot = null;
        if (!_connectedTaken || !_order.TryDequeue(out var taskId))
        {
            return false;
        }

        snapshot = _pending[taskId];
        _pending.Remove(taskId);
        Remember(snapshot);
        return true;
    }

    /// <summary>A change follows another of the same task when its <c>seq</c> is higher and its progress not lower (an end always follows).</summary>
    private static bool Follows(TaskSummary earlier, TaskSummary later) =>
        later.Seq > earlier.Seq && !earlier.IsTerminal && (later.IsTerminal || later.Progress >= earlier.Progress);

    private void Remember(TaskSummary snapshot)
    {
        // Nothing follows an end, so each task enters the ended queue once.
        _sent[snapshot.TaskId] = snapshot;
        if (!snapshot.IsTerminal)
        {
            return;
        }

        _ended.Enqueue(snapshot.TaskId);
        if (_ended.Count > EndedRemembered)
        {
            _sent.Remove(_ended.Dequeue());
        }
    }
}
