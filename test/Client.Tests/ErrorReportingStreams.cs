using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using OrleansTasks.Feeds;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// The service's task stream provider, passed through unchanged, except that the test can report an
/// error to every subscriber as Orleans' pulling agent does when it cannot deliver a stream's events
/// (a cache miss, a delivery that keeps failing), and can have events lost on their way to this
/// process's subscribers. The provider itself does neither on demand.
/// </summary>
public sealed class ErrorReportingStreams(IStreamProvider inner) : IStreamProvider
{
    private readonly ConcurrentQueue<Func<Exception, Task>> _subscribers = new();
    private volatile bool _losing;

    public string Name => inner.Name;

    public bool IsRewindable => inner.IsRewindable;

    /// <summary>While true, events published on any stream never reach this process's subscribers.</summary>
    public bool Losing { get => _losing; set => _losing = value; }

    /// <summary>
    /// Puts itself between the service's feeds (a task's and an owner's) and their stream provider.
    /// Orleans' own client lifecycle keeps the real provider (it must be the persistent provider it
    /// configured), so only the client the feeds are given sees this one.
    /// </summary>
    public static void Install(IServiceCollection services)
    {
        services.AddSingleton(provider => new ErrorReportingStreams(provider.GetRequiredService<IClusterClient>().GetStreamProvider(TaskStreams.ProviderName)));
        services.AddSingleton(provider => new FeedRegistry<IndexTaskSnapshot>(
            provider.GetRequiredService<IFeedSource<IndexTaskSnapshot>>(),
            TappedClient(provider),
            provider.GetRequiredService<IFeedMetrics>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IFeedScheduler>(),
            provider.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(provider => new OwnerFeedRegistry(
            TappedClient(provider),
            provider.GetRequiredService<IFeedMetrics>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IFeedScheduler>(),
            provider.GetRequiredService<ILoggerFactory>()));
    }

    private static IClusterClient TappedClient(IServiceProvider provider) =>
        ClientWithStreams.Create(provider.GetRequiredService<IClusterClient>(), provider.GetRequiredService<ErrorReportingStreams>());

    /// <summary>Reports <paramref name="error"/> to every stream subscriber this process made.</summary>
    public Task ReportErrorAsync(Exception error) => Task.WhenAll(_subscribers.Select(subscriber => subscriber(error)));

    public IAsyncStream<T> GetStream<T>(StreamId streamId) => new Tapped<T>(inner.GetStream<T>(streamId), this);

    private sealed class Tapped<T>(IAsyncStream<T> stream, ErrorReportingStreams streams) : IAsyncStream<T>
    {
        public bool IsRewindable => stream.IsRewindable;

        public string ProviderName => stream.ProviderName;

        public StreamId StreamId => stream.StreamId;

        public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer) => stream.SubscribeAsync(Tap(observer));

        public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer, StreamSequenceToken? token, string? filterData = null) =>
            stream.SubscribeAsync(Tap(observer), token, filterData);

        public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncBatchObserver<T> observer) => stream.SubscribeAsync(observer);

        public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncBatchObserver<T> observer, StreamSequenceToken? token) =>
            stream.SubscribeAsync(observer, token);

        public Task<IList<StreamSubscriptionHandle<T>>> GetAllSubscriptionHandles() => stream.GetAllSubscriptionHandles();

        public Task OnNextAsync(T item, StreamSequenceToken? token = null) => stream.OnNextAsync(item, token);

        public Task OnNextBatchAsync(IEnumerable<T> batch, StreamSequenceToken? token = null) => stream.OnNextBatchAsync(batch, token);

        public Task OnCompletedAsync() => stream.OnCompletedAsync();

        public Task OnErrorAsync(Exception ex) => stream.OnErrorAsync(ex);

        public bool Equals(IAsyncStream<T>? other) => stream.Equals(other);

        public int CompareTo(IAsyncStream<T>? other) => stream.CompareTo(other);

        private Losable<T> Tap(IAsyncObserver<T> observer)
        {
            streams._subscribers.Enqueue(observer.OnErrorAsync);
            return new Losable<T>(observer, streams);
        }
    }

    private sealed class Losable<T>(IAsyncObserver<T> observer, ErrorReportingStreams streams) : IAsyncObserver<T>
    {
        public Task OnNextAsync(T item, StreamSequenceToken? token = null) => streams.Losing ? Task.CompletedTask : observer.OnNextAsync(item, token);

        public Task OnCompletedAsync() => observer.OnCompletedAsync();

        public Task OnErrorAsync(Exception ex) => observer.OnErrorAsync(ex);
    }
}
