namespace OrleansTasks.Feeds;

/// <summary>
/// Decides whether a stream event reaches the listeners. The product registers none; tests register
/// one to lose events on purpose and prove that reconciliation makes up for them.
/// </summary>
internal interface IFeedEventFilter
{
    /// <summary>False drops <paramref name="snapshot"/> as if the stream had lost it.</summary>
    bool Deliver(IFeedSnapshot snapshot);
}
