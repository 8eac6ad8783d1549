namespace OrleansTasks;

/// <summary>Per-outcome document counts of a task so far.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskCounts")]
public sealed record TaskCounts(
    [property: Id(0)] int Indexed,
    [property: Id(1)] int Unchanged,
    [property: Id(2)] int Failed)
{
    /// <summary>Documents processed, whatever their outcome.</summary>
    public int Processed => Indexed + Unchanged + Failed;
}
