using System.Diagnostics.CodeAnalysis;

namespace OrleansTasks.Feeds;

/// <summary>
/// One listener's backlog of a feed's events under the feed's delivery rules: <see cref="FeedDelivery{T}"/>
/// for one task or batch, <see cref="OwnerFeedDelivery"/> for an owner's tasks. Not thread-safe: its
/// owner serialises calls.
/// </summary>
/// <typeparam name="T">The snapshot the feed carries.</typeparam>
public interface IFeedBacklog<T>
    where T : class, IFeedSnapshot
{
    /// <summary>True once <see cref="Start"/> has been called: only then is anything taken.</summary>
    bool IsStarted { get; }

    /// <summary>Takes a snapshot from the stream (or a reconciliation); events before <see cref="Start"/> wait.</summary>
    FeedDeliveryOutcome Queue(T snapshot);

    /// <summary>Begins the listener's feed; <paramref name="first"/> is the snapshot read after subscribing, null for a feed without one.</summary>
    void Start(T? first);

    /// <summary>True once after <see cref="Start"/>: the listener's <c>connected</c>, with the first snapshot if the feed has one.</summary>
    bool TryTakeFirst(out T? first);

    /// <summary>The next change to hand out.</summary>
    bool TryTakeNext([MaybeNullWhen(false)] out T snapshot);
}
