using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Hosting;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Looks at every open socket every <see cref="MaxPeriod"/> (one loop for all sockets, not a timer
/// each), so a socket is judged at most that long after its time is up. A socket
/// cannot take messages when its ping has gone unanswered for <see cref="GatewayOptions.SlowConsumerTimeout"/>
/// (it is closed with 1013) or a send has not completed for that long (no close frame can follow
/// it, so the connection is aborted). Each socket is told once, with how long it has waited.
/// </summary>
public sealed class SlowConsumerWatch(IOptions<GatewayOptions> options, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<Watched, byte> _watched = new();
    private readonly TimeSpan _timeout = options.Value.SlowConsumerTimeout;

    public IDisposable Watch(PingTracker? pings, SendClock sends, Action<TimeSpan> onUnanswered, Action<TimeSpan> onStuck)
    {
        var watched = new Watched(this, pings, sends, onUnanswered, onStuck);
        _watched.TryAdd(watched, 0);
        return watched;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Min(MaxPeriod.Ticks, _timeout.Ticks / 4));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = time.GetTimestamp();
                foreach (var watched in _watched.Keys)
                {
                    if (watched.Sends.Stalled(time, now) is var stalled && stalled >= _timeout && _watched.TryRemove(watched, out _))
                    {
                        watched.OnStuck(stalled);
                    }
                    else if (watched.Pings?.Unanswered() is { } unanswered && unanswered >= _timeout && _watched.TryRemove(watched, out _))
                    {
                        watched.OnUnanswered(unanswered);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private sealed class Watched(SlowConsumerWatch watch, PingTracker? pings, SendClock sends, Action<TimeSpan> onUnanswered, Action<TimeSpan> onStuck) : IDisposable
    {
        public PingTracker? Pings { get; } = pings;

        public SendClock Sends { get; } = sends;

        public Action<TimeSpan> OnUnanswered { get; } = onUnanswered;

        public Action<TimeSpan> OnStuck { get; } = onStuck;

        public void Dispose() => watch._watched.TryRemove(this, out _);
    }
}
