namespace OrleansTasks.Feeds;

/// <summary>A registry of feeds as the reconciler sees it, whatever they carry.</summary>
internal interface IFeedRegistry
{
    /// <summary>The feeds that currently have listeners.</summary>
    IReadOnlyList<IFeed> Feeds { get; }
}

/// <summary>One feed as the reconciler sees it.</summary>
internal interface IFeed
{
    /// <summary>"task" or "batch", for logs.</summary>
    string Kind { get; }

    /// <summary>The task or batch.</summary>
    Guid Id { get; }

    /// <summary>True once the stream reported an error, or nothing was heard for <paramref name="silence"/>.</summary>
    bool NeedsReconciliation(TimeSpan silence);

    /// <summary>Reads the snapshot from its grain and hands it to every listener.</summary>
    Task ReconcileAsync();
}
