namespace OrleansTasks.Gateway.WebSockets;

/// <summary>A registry of feeds as the reconciler sees it, whatever they carry.</summary>
public interface IFeedRegistry
{
    IReadOnlyList<IFeed> Feeds { get; }
}

/// <summary>One feed as the reconciler sees it.</summary>
public interface IFeed
{
    string Kind { get; }

    Guid Id { get; }

    bool NeedsReconciliation(TimeSpan silence);

    Task ReconcileAsync();
}
