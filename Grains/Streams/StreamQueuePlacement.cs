namespace OrleansTasks.Streams;

/// <summary>Places a task stream queue's grain on the silo whose pulling agent reads the queue (<see cref="StreamQueueOwners"/>).</summary>
[GenerateSerializer, Immutable]
public sealed class StreamQueuePlacement : PlacementStrategy
{
    public static readonly StreamQueuePlacement Instance = new();
}
