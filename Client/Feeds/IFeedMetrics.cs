namespace OrleansTasks.Feeds;

/// <summary>What the feeds report about their subscriptions, to the host's own instruments.</summary>
internal interface IFeedMetrics
{
    /// <summary>A feed subscribed to its stream.</summary>
    void SubscriptionAdded();

    /// <summary>A feed's subscription was given back.</summary>
    void SubscriptionRemoved();

    /// <summary>A feed was read back from its grain after an error or silence on its stream.</summary>
    void Reconciled();
}
