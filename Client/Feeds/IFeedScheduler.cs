namespace OrleansTasks.Feeds;

/// <summary>
/// Where a feed wakes its listeners. A gateway wakes its sockets on threads of its own (a wake-up
/// there may send on that thread); a service's watchers are woken at once, as their wake-up only
/// signals an enumerator.
/// </summary>
internal interface IFeedScheduler
{
    /// <summary>Runs <paramref name="work"/>, after the work queued before it began; it must not block the stream's delivery.</summary>
    void Queue(IFeedWork work);
}

/// <summary>Work for an <see cref="IFeedScheduler"/>: short, and never blocking the thread.</summary>
internal interface IFeedWork
{
    /// <summary>Does the work.</summary>
    void Execute();
}

/// <summary>Runs every wake-up at once on the delivering thread: for listeners whose wake-up costs a signal.</summary>
internal sealed class ImmediateFeedScheduler : IFeedScheduler
{
    /// <summary>The one instance.</summary>
    public static readonly ImmediateFeedScheduler Instance = new();

    private ImmediateFeedScheduler()
    {
    }

    /// <inheritdoc/>
    public void Queue(IFeedWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        work.Execute();
    }
}
