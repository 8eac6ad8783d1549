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
    private PublishingPace? _pace;
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
        _pace = new PublishingPace(time, eventsPerSecond, duration);
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
        if (!await _pace!.PublishOwedAsync(PublishNextAsync))
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private Task PublishNextAsync()
    {
        _publishedInAll++;
        return _stream.OnNextAsync(SampleEvents.Progress(_start!, _publishedInAll, time.GetUtcNow()));
    }
}
