namespace OrleansTasks.Tasks;

/// <summary>How soon the owner feeds are offered again a change they could not take.</summary>
public static class FeedRetry
{
    /// <summary>
    /// The least wait before a change is offered again after a failed publication, whatever the
    /// item's progress interval (a schedule's is zero): a stream that fails is not hammered.
    /// </summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
}
