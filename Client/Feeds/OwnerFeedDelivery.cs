using System.Diagnostics.CodeAnalysis;

namespace OrleansTasks.Feeds;

/// <summary>
/// The delivery rules of an owner feed's listener: each item's changes (a task's, batch's or
/// schedule's) in rising <c>seq</c>, no duplicates, a task's progress never backwards (a batch's
/// may go back: its total grows when a source task has counted its documents); a listener that falls
/// behind keeps, per item, only the newest change it has not taken — so an item's last change is
/// never lost, and memory is bounded by the items with something pending. The feed never ends. What
/// was sent is remembered for every unfinished item and for the <see cref="EndedRemembered"/> items
/// that ended last.
/// Not thread-safe: its owner serialises calls.
/// </summary>
internal sealed class OwnerFeedDelivery : IFeedBacklog<IOwnerFeedItem>
{
    /// <summary>How many ended items are remembered so that a late copy of their end is not sent again.</summary>
    public const int EndedRemembered = 10_000;

    private readonly Dictionary<Guid, IOwnerFeedItem> _pending = [];
    private readonly Queue<Guid> _order = new();
    private readonly Dictionary<Guid, IOwnerFeedItem> _sent = [];
    private readonly Queue<Guid> _ended = new();
    private bool _connectedTaken;

    /// <inheritdoc/>
    public bool IsStarted { get; private set; }

    /// <inheritdoc/>
    public FeedDeliveryOutcome Queue(IOwnerFeedItem snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        snapshot = NotBehind(snapshot);
        if (_sent.TryGetValue(snapshot.ItemId, out var sent) && !Follows(sent, snapshot))
        {
            return FeedDeliveryOutcome.Dropped;
        }

        if (_pending.TryGetValue(snapshot.ItemId, out var waiting))
        {
            if (!Follows(waiting, snapshot))
            {
                return FeedDeliveryOutcome.Dropped;
            }

            _pending[snapshot.ItemId] = snapshot;
            return FeedDeliveryOutcome.Coalesced;
        }

        _pending.Add(snapshot.ItemId, snapshot);
        _order.Enqueue(snapshot.ItemId);
        return FeedDeliveryOutcome.Queued;
    }

    /// <summary>Begins the feed; an owner feed has no first snapshot, so <paramref name="first"/> must be null.</summary>
    public void Start(IOwnerFeedItem? first)
    {
        if (first is not null)
        {
            throw new ArgumentException("An owner feed starts without a snapshot.", nameof(first));
        }

        IsStarted = true;
    }

    /// <inheritdoc/>
    public bool TryTakeFirst(out IOwnerFeedItem? first)
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
    public bool TryTakeNext([MaybeNullWhen(false)] out IOwnerFeedItem snapshot)
    {
        snapshot = null;
        if (!_connectedTaken || !_order.TryDequeue(out var itemId))
        {
            return false;
        }

        snapshot = _pending[itemId];
        _pending.Remove(itemId);
        Remember(snapshot);
        return true;
    }

    /// <summary>
    /// A change of status (an activation resuming below the progress its predecessor published,
    /// then queueing) is news even when its progress is lower: it goes out with the highest progress
    /// already given, so that progress never goes back.
    /// </summary>
    private IOwnerFeedItem NotBehind(IOwnerFeedItem change)
    {
        if (change is not TaskSummary task)
        {
            return change;
        }

        var given = (_pending.TryGetValue(task.TaskId, out var waiting) ? waiting : _sent.GetValueOrDefault(task.TaskId)) as TaskSummary;
        return given is null || task.IsTerminal || task.Status == given.Status || task.Progress >= given.Progress || task.Seq <= given.Seq
            ? task
            : task with { Progress = given.Progress, Current = Math.Max(task.Current, given.Current) };
    }

    /// <summary>
    /// A change follows another of the same item when its <c>seq</c> is higher and nothing ended
    /// before it; a task's must also not lower its progress (an end always follows). Batches and
    /// schedules are ordered by <c>seq</c> alone: a batch's rolled-up progress goes back when a
    /// task's total grows, and a batch frozen until it climbs back would hide its status too.
    /// </summary>
    private static bool Follows(IOwnerFeedItem earlier, IOwnerFeedItem later) =>
        later.Seq > earlier.Seq && !earlier.IsTerminal
        && (later.IsTerminal || later is not TaskSummary || later.Progress >= earlier.Progress);

    private void Remember(IOwnerFeedItem snapshot)
    {
        // Nothing follows an end, so each item enters the ended queue once.
        _sent[snapshot.ItemId] = snapshot;
        if (!snapshot.IsTerminal)
        {
            return;
        }

        _ended.Enqueue(snapshot.ItemId);
        if (_ended.Count > EndedRemembered)
        {
            _sent.Remove(_ended.Dequeue());
        }
    }
}
