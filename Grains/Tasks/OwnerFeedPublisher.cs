using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace OrleansTasks.Tasks;

/// <summary>
/// Puts an item's changes — a task's rows, a batch's or a schedule's — on its owner's feed and on the
/// cluster-wide one, through a <see cref="FeedThrottle{T}"/>. Never throws: a change that could not
/// be published is logged and held again. Held-back changes go out on a timer of the publishing
/// grain, armed only while something is held, even if the item publishes nothing more by then; the
/// timer keeps the activation alive, since a held change dies with it.
/// </summary>
public sealed partial class OwnerFeedPublisher<T>(
    IAsyncStream<T> owner, IAsyncStream<T> everyone, FeedThrottle<T> throttle, IGrainBase grain, Func<bool> stopped, ILogger logger)
    where T : class, IOwnerFeedItem
{
    private IGrainTimer? _flush;
    private Action? _whenNothingHeld;

    /// <summary>Publishes <paramref name="change"/> now, or holds it back as progress within the interval.</summary>
    public async Task OfferAsync(T change)
    {
        if (throttle.Offer(change))
        {
            await PublishAsync(change);
        }

        ArmFlush();
    }

    /// <summary>
    /// Calls <paramref name="then"/> once no change is held back: now, or after the flush that
    /// publishes the last one (a grain that deactivates must not take an unpublished change with it).
    /// </summary>
    public void WhenNothingHeld(Action then)
    {
        _whenNothingHeld = then;
        ArmFlush();
    }

    private void ArmFlush()
    {
        if (throttle.HeldFor is not { } due)
        {
            var then = _whenNothingHeld;
            _whenNothingHeld = null;
            then?.Invoke();
            return;
        }

        if (_flush is not null)
        {
            return;
        }

        _flush = grain.RegisterGrainTimer(
            async _ =>
            {
                _flush?.Dispose();
                _flush = null;
                if (stopped())
                {
                    return;
                }

                if (throttle.TakeDue() is { } held)
                {
                    await PublishAsync(held);
                }

                ArmFlush();
            },
            new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
    }

    private async Task PublishAsync(T change)
    {
        try
        {
            await Task.WhenAll(owner.OnNextAsync(change), everyone.OnNextAsync(change));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The item's own stream is not concerned; lists reconcile, and the change goes again.
            Log.Failed(logger, exception, change.ItemKind, change.ItemId, change.Seq);
            throttle.Failed(change);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(19, LogLevel.Warning, "{Kind} {ItemId}: publishing seq {Seq} on the owner feeds failed; it is published again shortly")]
        public static partial void Failed(ILogger logger, Exception exception, OwnerFeedItemKind kind, Guid itemId, long seq);
    }
}
