using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansTasks.Feeds;
using OrleansTasks.Watching;

namespace OrleansTasks.Hosting;

/// <summary>The shared task, batch and owner feeds of a process and the <see cref="ITaskWatcher"/> over them.</summary>
public static class OrleansTasksFeedExtensions
{
    /// <summary>
    /// Registers one <see cref="FeedRegistry{T}"/> per kind (one stream subscription per task or
    /// batch in the process, whoever listens), the <see cref="FeedReconciler"/> and the
    /// <see cref="ITaskWatcher"/>. A host that wakes listeners elsewhere or counts feeds itself
    /// (the gateway) registers its <see cref="IFeedScheduler"/> and <see cref="IFeedMetrics"/>
    /// first; otherwise listeners are woken at once and the meter <see cref="ClientFeedMetrics.MeterName"/> counts.
    /// Registering twice changes nothing.
    /// </summary>
    /// <param name="services">The host's services; they must hold an <see cref="IClusterClient"/>.</param>
    public static IServiceCollection AddOrleansTasksFeeds(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(service => service.ServiceType == typeof(ITaskWatcher)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IFeedScheduler>(ImmediateFeedScheduler.Instance);
        services.TryAddSingleton<IFeedMetrics, ClientFeedMetrics>();
        services.AddSingleton<IFeedSource<IndexTaskSnapshot>>(FeedSources.Tasks);
        services.AddSingleton<IFeedSource<BatchSnapshot>>(FeedSources.Batches);
        services.AddSingleton<FeedRegistry<IndexTaskSnapshot>>();
        services.AddSingleton<FeedRegistry<BatchSnapshot>>();
        services.AddSingleton<IFeedRegistry>(provider => provider.GetRequiredService<FeedRegistry<IndexTaskSnapshot>>());
        services.AddSingleton<IFeedRegistry>(provider => provider.GetRequiredService<FeedRegistry<BatchSnapshot>>());
        services.AddSingleton<OwnerFeedRegistry>();
        services.AddSingleton<IFeedRegistry>(provider => provider.GetRequiredService<OwnerFeedRegistry>());
        services.AddOptions<FeedOptions>();
        services.AddOptions<OrleansTasksClientOptions>();
        services.AddHostedService<FeedReconciler>();
        services.AddSingleton<ITaskWatcher, TaskWatcher>();
        return services;
    }
}
