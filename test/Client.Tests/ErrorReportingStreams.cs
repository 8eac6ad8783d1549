using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using OrleansTasks.Feeds;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// The service's task stream provider, passed through unchanged, except that the test can report an
/// error to every subscriber as Orleans' pulling agent does when it cannot deliver a stream's events
/// (a cache miss, a delivery that keeps failing). The provider itself never reports one on demand.
/// </summary>
public sealed class ErrorReportingStreams(IStreamProvider inner) : IStreamProvider
{
    private readonly ConcurrentQueue<IAsyncObserver<IndexTaskSnapshot>> _subscribers = new();

    public string Name => inner.Name;

    public bool IsRewindable => inner.IsRewindable;

    /// <summary>
    /// Puts itself between the service's task feeds and their stream provider. Orleans' own client
    /// lifecycle keeps the real provider (it must be the persistent provider it configured), so only
    /// the client the feeds are given sees this one.
    /// </summary>
    public static void Install(IServiceCollection services)
    {
        services.AddSingleton(provider => new ErrorReportingStreams(provider.GetRequiredService<IClusterClient>().GetStreamProvider(TaskStreams.ProviderName)));
        services.AddSingleton(provider => new FeedRegistry<IndexTaskSnapshot>(
            provider.GetRequiredService<IFeedSource<IndexTaskSnapshot>>(),
            ClientWithStreams.Create(provider.GetRequiredService<IClusterClient>(), provider.GetRequiredService<ErrorReportingStreams>()),
            provider.GetRequiredService<IFeedMetrics>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IFeedScheduler>(),
            provider.GetRequiredService<ILoggerFactory>()));
    }

    /// <summary>Reports <paramref name="error"/> to every task stream subscriber this process made.</summary>
    public Task ReportErrorAsync(Exception error) => Task.WhenAll(_subscribers.Select(subscriber => subscriber.OnErrorAsync(error)));

    public IAsyncStream<T> GetStream<T>(StreamId streamId)
    {
        var stream = inner.GetStream<T>(streamId);
        return stream is IAsyncStream<IndexTaskSnapshot> tasks ? (IAsyncStream<T>)(object)new Tapped(tasks, _subscribers) : stream;
    }

    private sealed class Tapped(IAsyncStream<IndexTaskSnapshot> stream, ConcurrentQueue<IAsyncObserver<IndexTaskSnapshot>> subscribers) : IAsyncStream<IndexTaskSnapshot>
    {
        public bool IsRewindable => stream.IsRewindable;

        public string ProviderName => stream.ProviderName;

        public StreamId StreamId => stream.StreamId;

        public Task<StreamSubscriptionHandle<IndexTaskSnapshot>> SubscribeAsync(IAsyncObserver<IndexTaskSnapshot> observer)
        {
            subscribers.Enqueue(observer);
            return stream.SubscribeAsync(observer);
        }

        public Task<StreamSubscriptionHandle<IndexTaskSnapshot>> SubscribeAsync(IAsyncObserver<IndexTaskSnapshot> observer, StreamSequenceToken? token, string? filterData = null)
        {
            subscribers.Enqueue(observer);
            return stream.SubscribeAsync(observer, token, filterData);
        }

        public Task<StreamSubscriptionHandle<IndexTaskSnapshot>> SubscribeAsync(IAsyncBatchObserver<IndexTaskSnapshot> observer) => stream.SubscribeAsync(observer);

        public Task<StreamSubscriptionHandle<IndexTaskSnapshot>> SubscribeAsync(IAsyncBatchObserver<IndexTaskSnapshot> observer, StreamSequenceToken? token) =>
            stream.SubscribeAsync(observer, token);

        public Task<IList<StreamSubscriptionHandle<IndexTaskSnapshot>>> GetAllSubscriptionHandles() => stream.GetAllSubscriptionHandles();

        public Task OnNextAsync(IndexTaskSnapshot item, StreamSequenceToken? token = null) => stream.OnNextAsync(item, token);

        public Task OnNextBatchAsync(IEnumerable<IndexTaskSnapshot> batch, StreamSequenceToken? token = null) => stream.OnNextBatchAsync(batch, token);

        public Task OnCompletedAsync() => stream.OnCompletedAsync();

        public Task OnErrorAsync(Exception ex) => stream.OnErrorAsync(ex);

        public bool Equals(IAsyncStream<IndexTaskSnapshot>? other) => stream.Equals(other);

        public int CompareTo(IAsyncStream<IndexTaskSnapshot>? other) => stream.CompareTo(other);
    }
}
