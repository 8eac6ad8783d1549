namespace OrleansTasks.Feeds;

/// <summary>A registry of feeds as the reconciler sees it, whatever they carry.</summary>
public interface IFeedRegistry
{
    /// <summary>The feeds that currently have listeners.</summary>
    IReadOnlyList<IFeed> Feeds { get; }
}

/// <summary>One feed as the reconciler sees it.</summary>
public interface IFeed
{
    /// <summary>"task", "batch" or "owner feed", for logs.</summary>
    string Kind { get; }

    /// <summary>The task's or batch's id, or the owner feed's scope, for logs.</summary>
    string Key { get; }

    /// <summary>True once the stream reported an error, or nothing was heard for <paramref name="silence"/>.</summary>
    bool NeedsReconciliation(TimeSpan silence);

    /// <summary>Reads what the stream may have lost from the grains and hands it to every listener.</summary>
    Task ReconcileAsync();
}
