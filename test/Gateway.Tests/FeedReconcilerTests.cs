using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansTasks.Feeds;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The reconciler outlives whatever a grain throws at it: a failed read waits for the next sweep.</summary>
public sealed class FeedReconcilerTests
{
    [Fact]
    public async Task A_provider_exception_while_reconciling_neither_stops_the_reconciler_nor_the_other_feeds()
    {
        var failing = new CountingFeed(new ProviderFault("the storage provider's own exception type"));
        var healthy = new CountingFeed(null);
        var options = Options.Create(new FeedOptions { StreamSilenceTimeout = TimeSpan.FromMilliseconds(500) });
        using var reconciler = new FeedReconciler([new Registry([failing, healthy])], options, TimeProvider.System, NullLogger<FeedReconciler>.Instance);

        await reconciler.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync("three sweeps over both feeds", () => Task.FromResult(failing.Calls >= 3 && healthy.Calls >= 3), TimeSpan.FromSeconds(30));

        Assert.False(reconciler.ExecuteTask!.IsCompleted, "the reconciler stopped");
        await reconciler.StopAsync(CancellationToken.None);
        Assert.True(reconciler.ExecuteTask.IsCompletedSuccessfully, $"the stopped reconciler ended {reconciler.ExecuteTask.Status}, not quietly");
    }

    [Fact]
    public async Task A_read_that_never_answers_does_not_hold_back_the_other_feeds()
    {
        var hanging = new CountingFeed(null, hangs: true);
        var healthy = new CountingFeed(null);
        var options = Options.Create(new FeedOptions { StreamSilenceTimeout = TimeSpan.FromMilliseconds(500) });
        using var reconciler = new FeedReconciler([new Registry([hanging, healthy])], options, TimeProvider.System, NullLogger<FeedReconciler>.Instance);

        await reconciler.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync("three sweeps over the healthy feed beside a read that hangs", () => Task.FromResult(healthy.Calls >= 3), TimeSpan.FromSeconds(30));

        Assert.True(hanging.Calls >= 2, $"the hanging feed was read {hanging.Calls} time(s): a stuck read must not stop it being read again");
        await reconciler.StopAsync(CancellationToken.None);
        Assert.True(reconciler.ExecuteTask!.IsCompletedSuccessfully, $"the stopped reconciler ended {reconciler.ExecuteTask.Status}, not quietly");
    }

    private sealed class ProviderFault(string message) : Exception(message);

    private sealed class Registry(IReadOnlyList<IFeed> feeds) : IFeedRegistry
    {
        public IReadOnlyList<IFeed> Feeds => feeds;
    }

    private sealed class CountingFeed(Exception? fault, bool hangs = false) : IFeed
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public string Kind => "task";

        public string Key { get; } = Guid.NewGuid().ToString();

        public bool NeedsReconciliation(TimeSpan silence) => true;

        public Task ReconcileAsync()
        {
            Interlocked.Increment(ref _calls);
            return hangs ? new TaskCompletionSource().Task : fault is null ? Task.CompletedTask : Task.FromException(fault);
        }
    }
}
