using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Placement;
using Orleans.Streams;

namespace OrleansTasks.Streams;

/// <summary>Keeps each of a memory stream provider's queues and its reader on one silo: the balancer, the placement and the moves after a change.</summary>
public static class StreamQueuePlacementSetup
{
    public static void KeepQueuesBesideReaders(this ISiloMemoryStreamConfigurator provider, ISiloBuilder silo, string providerName)
    {
        silo.Services.AddSingleton(services => new StreamQueueOwners(
            new HashRingBasedStreamQueueMapper(
                services.GetRequiredService<IOptionsMonitor<HashRingStreamQueueMapperOptions>>().Get(providerName),
                providerName).GetAllQueues()));
        silo.Services.AddSingleton<IPlacementStrategyResolver, StreamQueuePlacementResolver>();
        silo.Services.AddPlacementDirector<StreamQueuePlacement, StreamQueuePlacementDirector>();
        silo.Services.AddHostedService<StreamQueueRehoming>();
        provider.ConfigurePartitionBalancing((services, _) => ActivatorUtilities.CreateInstance<StreamQueueBalancer>(services));
    }
}
