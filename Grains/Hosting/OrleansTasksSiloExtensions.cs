using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansTasks.Indexing;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Hosting;

/// <summary>
/// The one silo configuration of OrleansTasks, used by the Silo host and by the gateway's embedded
/// mode alike, so that the two cannot drift apart.
/// </summary>
public static class OrleansTasksSiloExtensions
{
    /// <summary>Everything a silo of OrleansTasks needs: clustering, storage, streams, reminders and the grains' services.</summary>
    public static ISiloBuilder AddOrleansTasksSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var cluster = ClusterSettings.From(configuration);
        silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        return silo.AddOrleansTasks(configuration);
    }

    /// <summary>The providers and services of OrleansTasks without clustering, for hosts (such as test clusters) that bring their own.</summary>
    public static ISiloBuilder AddOrleansTasks(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddMemoryGrainStorage(StorageNames.Tasks);
        silo.AddMemoryGrainStorage(StorageNames.PubSub);
        silo.AddMemoryStreams(TaskStreams.ProviderName);
        silo.UseInMemoryReminderService();
        silo.Services.AddOrleansTasksGrainServices(configuration);
        return silo;
    }

    public static IServiceCollection AddOrleansTasksGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TasksOptions>()
            .Bind(configuration.GetSection(TasksOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDocumentIndex, LuceneDocumentIndex>();
        services.TryAddSingleton<IncrementalIndexer>();
        services.TryAddSingleton<DirectorySourceReader>();
        services.TryAddSingleton<TaskChunkStores>();
        return services;
    }
}
