namespace OrleansTasks;

/// <summary>What happened to one document: wire names <c>indexed</c>, <c>unchanged</c>, <c>failed</c>.</summary>
[GenerateSerializer, Alias("OrleansTasks.DocumentOutcome")]
public enum DocumentOutcome
{
    /// <summary>Written to the index.</summary>
    Indexed = 0,
    /// <summary>Already in the index with the same content hash; nothing written.</summary>
    Unchanged = 1,
    /// <summary>Could not be indexed; its result says why.</summary>
    Failed = 2,
}

/// <summary>The wire names of <see cref="DocumentOutcome"/>.</summary>
public static class DocumentOutcomeExtensions
{
    /// <summary><c>indexed</c>, <c>unchanged</c> or <c>failed</c>, as REST and sockets write it.</summary>
    public static string ToWireName(this DocumentOutcome outcome) => outcome switch
    {
        DocumentOutcome.Indexed => "indexed",
        DocumentOutcome.Unchanged => "unchanged",
        DocumentOutcome.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown document outcome."),
    };
}
