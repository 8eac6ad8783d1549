namespace OrleansTasks;

/// <summary>What a schedule does with occurrences that fell due while the cluster was down.</summary>
[GenerateSerializer, Alias("OrleansTasks.MissedRunPolicy")]
public enum MissedRunPolicy
{
    /// <summary>One run on recovery for all the occurrences missed (the default).</summary>
    RunOnce = 0,

    /// <summary>Missed occurrences are skipped; the schedule goes on with the next one to come.</summary>
    Skip = 1,
}

/// <summary>What a schedule does with an occurrence while its previous run is still going.</summary>
[GenerateSerializer, Alias("OrleansTasks.OverlapPolicy")]
public enum OverlapPolicy
{
    /// <summary>The occurrence is skipped (the default).</summary>
    Skip = 0,

    /// <summary>The occurrence runs as soon as the previous run ends.</summary>
    Queue = 1,
}
