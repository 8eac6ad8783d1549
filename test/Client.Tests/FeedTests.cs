using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Feeds;

namespace OrleansTasks.Client.Tests;

/// <summary>A feed's reconciliation when the grain read fails: the feed stays due, so a terminal is not put off by a whole silence window.</summary>
public sealed class FeedTests
{
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_failed_reconciliation_read_leaves_the_feed_due_for_the_next_sweep()
    {
        var time = new FakeTimeProvider();
        var id = Guid.NewGuid();
        var source = new FailingOnce(ScriptedTasks.At(id, 3, 100, IndexTaskStatus.Completed));
        var feed = new Feed<IndexTaskSnapshot>(source, id, null!, new UncountedFeeds(), time, ImmediateFeedScheduler.Instance, null, NullLogger.Instance);
        time.Advance(Silence);
        Assert.True(feed.NeedsReconciliation(Silence), "a silent feed is due");

        await Assert.ThrowsAsync<TimeoutException>(feed.ReconcileAsync);

        Assert.True(feed.NeedsReconciliation(Silence), "a failed read put the next attempt off by a whole silence window");
        await feed.ReconcileAsync();
        Assert.False(feed.NeedsReconciliation(Silence), "a successful read still leaves the feed due");
    }

    /// <summary>A grain read that times out once (as a call to a dead silo does), then answers.</summary>
    private sealed class FailingOnce(IndexTaskSnapshot snapshot) : IFeedSource<IndexTaskSnapshot>
    {
        private int _reads;

        public string Name => "task";

        public StreamId StreamFor(Guid id) => TaskStreams.ForTask(id);

        public Task<IndexTaskSnapshot?> ReadAsync(IGrainFactory grains, Guid id) =>
            Interlocked.Increment(ref _reads) == 1
                ? Task.FromException<IndexTaskSnapshot?>(new TimeoutException("Response did not arrive on time"))
                : Task.FromResult<IndexTaskSnapshot?>(snapshot);
    }

    private sealed class UncountedFeeds : IFeedMetrics
    {
        public void SubscriptionAdded()
        {
        }

        public void SubscriptionRemoved()
        {
        }

        public void Reconciled()
        {
        }
    }
}
