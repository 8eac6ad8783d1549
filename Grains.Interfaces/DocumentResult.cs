namespace OrleansTasks;

/// <summary>The outcome of one document; <see cref="Error"/> is set only when it failed.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.DocumentResult")]
public sealed record DocumentResult(
    [property: Id(0)] string Id,
    [property: Id(1)] DocumentOutcome Outcome,
    [property: Id(2)] string? Error = null)
{
    // A field, so that a result stored before attempts were counted reads as one attempt.
    [Id(3)] private int _attempts;

    /// <summary>The attempt at which the document's slice was indexed: 1 unless transient failures were retried.</summary>
    public int Attempts { get => Math.Max(1, _attempts); init => _attempts = value; }
}
