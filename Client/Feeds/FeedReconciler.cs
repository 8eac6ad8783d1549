using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansTasks.Feeds;

/// <summary>
/// Makes up for stream events that never arrive: every watched task or batch whose stream reported an
/// error or has been silent for <see cref="FeedOptions.StreamSilenceTimeout"/> is read from its
/// grain and the snapshot handed to its listeners. A terminal state thus reaches them within
/// that timeout plus one sweep, whatever happened to the stream.
/// </summary>
/// <param name="registries">Every registry of feeds in the process.</param>
/// <param name="options">The silence timeout.</param>
/// <param name="time">The clock of the sweeps.</param>
/// <param name="logger">Where failed reconciliations are logged.</param>
public sealed partial class FeedReconciler(
    IEnumerable<IFeedRegistry> registries, IOptions<FeedOptions> options, TimeProvider time, ILogger<FeedReconciler> logger) : BackgroundService
{
    // A read stuck on a dead silo (30 s until Orleans times it out) must not hold back the other
    // feeds' sweeps: each sweep waits this long at most (or half the silence timeout if shorter).
    private static readonly TimeSpan MaxReadWait = TimeSpan.FromSeconds(5);

    /// <summary>Sweeps every fifth of the silence timeout (at least every 100 ms) until the host stops, then ends quietly.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var silence = options.Value.StreamSilenceTimeout;
        var readLimit = TimeSpan.FromTicks(Math.Min(silence.Ticks / 2, MaxReadWait.Ticks));
        using var sweep = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, silence.Ticks / 5)), time);
        try
        {
            while (await sweep.WaitForNextTickAsync(stoppingToken))
            {
                var due = registries.SelectMany(registry => registry.Feeds).Where(feed => feed.NeedsReconciliation(silence)).ToList();
                await Task.WhenAll(due.Select(feed => ReconcileAsync(feed, readLimit, stoppingToken)));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: not a failure of the reconciler.
        }
    }

    private async Task ReconcileAsync(IFeed feed, TimeSpan limit, CancellationToken stoppingToken)
    {
        var read = feed.ReconcileAsync();
        try
        {
            await read.WaitAsync(limit, time, stoppingToken);
        }
        catch (TimeoutException) when (!read.IsCompleted)
        {
            // The read goes on without this sweep; the feed stays due until one succeeds.
            Log.Slow(logger, feed.Kind, feed.Key, limit);
            _ = read.ContinueWith(slow => Log.Failed(logger, slow.Exception!, feed.Kind, feed.Key), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
        {
            // Any failure, a provider's exception included, waits for the next sweep: an exception
            // escaping this background service would stop the gateway.
            Log.Failed(logger, exception, feed.Kind, feed.Key);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Reconciling {Kind} {Id} against its grain failed; the next sweep retries")]
        public static partial void Failed(ILogger logger, Exception exception, string kind, string id);

        [LoggerMessage(2, LogLevel.Warning, "Reconciling {Kind} {Id} against its grain took over {Limit}; the next sweep reads again")]
        public static partial void Slow(ILogger logger, string kind, string id, TimeSpan limit);
    }
}
