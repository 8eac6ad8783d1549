using Orleans.Streams;

namespace OrleansTasks.Benchmarks.Servers;

/// <summary>
/// Stands in for a running index task on the per-owner feeds: publishes its progress as a
/// <see cref="TaskSummary"/> on its owner's stream and on the cluster-wide one, as
/// <c>OwnerFeedPublisher</c> does, one document further and one <c>seq</c> higher each time, stamped
/// with the time it is published. The product lets at most <c>Tasks:FeedProgressPerSecond</c> (2)
/// progress changes a second through per task; at that rate every change published here is one the
/// product would publish, so each gap in <c>seq</c> a subscriber sees is one the gateway coalesced.
/// </summary>
public sealed class OwnerFeedLoadGrain(TimeProvider time) : Grain, IOwnerFeedLoadGrain
{
    private IAsyncStream<TaskSummary> _owner = null!;
    private IAsyncStream<TaskSummary> _everyone = null!;
    private IGrainTimer? _timer;
    private IndexTaskSnapshot? _start;
    private PublishingPace? _pace;
    private long _publishedInAll;

    public async Task Start(int changesPerSecond, TimeSpan duration)
    {
        _timer?.Dispose();
        if (_start is null)
        {
            _start = await GrainFactory.GetGrain<IIndexTaskGrain>(this.GetPrimaryKey()).GetSnapshot()
                ?? throw new InvalidOperationException("No task has this id.");
            var streams = this.GetStreamProvider(TaskStreams.ProviderName);
            _owner = streams.GetStream<TaskSummary>(TaskStreams.ForOwner(_start.OwnerId));
            _everyone = streams.GetStream<TaskSummary>(TaskStreams.ForEveryone());
        }

        _pace = new PublishingPace(time, changesPerSecond, duration);
        _timer = this.RegisterGrainTimer(PublishOwedAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = TimeSpan.FromSeconds(1.0 / changesPerSecond),
            KeepAlive = true,
        });
    }

    public Task<long> LastSeq() => Task.FromResult((_start?.Seq ?? 0) + _publishedInAll);

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
        var summary = TaskSummary.From(SampleEvents.Progress(_start!, _publishedInAll, time.GetUtcNow()));
        return Task.WhenAll(_owner.OnNextAsync(summary), _everyone.OnNextAsync(summary));
    }
}
