using Orleans.Streams;

namespace OrleansTasks.Benchmarks.Servers;

/// <summary>
/// Stands in for an index task's run: publishes on the task's own stream (keyed like the task,
/// so it shares the task's stream and pulling agent) with the task's snapshot advanced by one
/// document per event. A real task's event rate depends on how fast it indexes; this one's is set.
/// </summary>
public sealed class LoadPublisherGrain(TimeProvider time) : Grain, ILoadPublisherGrain
{
    private static readonly TimeSpan FastestTick = TimeSpan.FromMilliseconds(10);

    private IAsyncStream<IndexTaskSnapshot> _stream = null!;
    private IGrainTimer? _timer;
    private IndexTaskSnapshot? _start;
    private long _startedAt;
    private TimeSpan _duration;
    private int _rate;
    private long _publishedThisRun;
    private long _publishedInAll;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(TaskStreams.ProviderName).GetStream<IndexTaskSnapshot>(TaskStreams.ForTask(this.GetPrimaryKey()));
        return Task.CompletedTask;
    }

    public async Task Start(int eventsPerSecond, TimeSpan duration)
    {
        _timer?.Dispose();
        _start ??= await GrainFactory.GetGrain<IIndexTaskGrain>(this.GetPrimaryKey()).GetSnapshot()
            ?? throw new InvalidOperationException("No task has this id.");
        _publishedThisRun = 0;
        _rate = eventsPerSecond;
        _duration = duration;
        _startedAt = time.GetTimestamp();
        var period = TimeSpan.FromSeconds(1.0 / eventsPerSecond);
        _timer = this.RegisterGrainTimer(PublishOwedAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = period < FastestTick ? FastestTick : period,
            KeepAlive = true,
        });
    }

    private async Task PublishOwedAsync(CancellationToken cancellationToken)
    {
        var elapsed = time.GetElapsedTime(_startedAt);
        if (elapsed >= _duration)
        {
            _timer?.Dispose();
            _timer = null;
            return;
        }

        var owed = (long)(elapsed.TotalSeconds * _rate) + 1 - _publishedThisRun;
        for (var i = 0; i < owed; i++)
        {
            _publishedThisRun++;
            _publishedInAll++;
            await _stream.OnNextAsync(SampleEvents.Progress(_start!, _publishedInAll, time.GetUtcNow()));
        }
    }
}
