using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Hosting;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Makes up for stream events that never arrive: every watched task or batch whose stream reported an
/// error or has been silent for <see cref="GatewayOptions.StreamSilenceTimeout"/> is read from its
/// grain and the snapshot handed to its sockets. A terminal state thus reaches the sockets within
/// that timeout plus one sweep, whatever happened to the stream.
/// </summary>
public sealed partial class FeedReconciler(
    IEnumerable<IFeedRegistry> registries, IOptions<GatewayOptions> options, TimeProvider time, ILogger<FeedReconciler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var silence = options.Value.StreamSilenceTimeout;
        using var sweep = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, silence.Ticks / 5)), time);
        while (await sweep.WaitForNextTickAsync(stoppingToken))
        {
            var due = registries.SelectMany(registry => registry.Feeds).Where(feed => feed.NeedsReconciliation(silence)).ToList();
            await Task.WhenAll(due.Select(ReconcileAsync));
        }
    }

    private async Task ReconcileAsync(IFeed feed)
    {
        try
        {
            await feed.ReconcileAsync();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Any failure, a provider's exception included, waits for the next sweep: an exception
            // escaping this background service would stop the gateway.
            Log.Failed(logger, exception, feed.Kind, feed.Id);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Reconciling {Kind} {Id} against its grain failed; the next sweep retries")]
        public static partial void Failed(ILogger logger, Exception exception, string kind, Guid id);
    }
}
