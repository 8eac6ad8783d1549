using Orleans.Metadata;
using Orleans.Providers;
using Orleans.Runtime.Placement;

namespace OrleansTasks.Streams;

/// <summary>Gives Orleans' memory stream queue grain, whose class is not ours to annotate, the <see cref="StreamQueuePlacement"/>.</summary>
internal sealed class StreamQueuePlacementResolver(GrainClassMap classes) : IPlacementStrategyResolver
{
    public bool TryResolvePlacementStrategy(GrainType grainType, GrainProperties? properties, out PlacementStrategy result)
    {
        if (classes.TryGetGrainClass(grainType, out var grainClass) && grainClass == typeof(MemoryStreamQueueGrain))
        {
            result = StreamQueuePlacement.Instance;
            return true;
        }

        result = null!;
        return false;
    }
}
