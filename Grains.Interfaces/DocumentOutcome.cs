namespace OrleansTasks;

/// <summary>What happened to one document: wire names <c>indexed</c>, <c>unchanged</c>, <c>failed</c>.</summary>
[GenerateSerializer, Alias("OrleansTasks.DocumentOutcome")]
public enum DocumentOutcome
{
    Indexed = 0,
    Unchanged = 1,
    Failed = 2,
}

public static class DocumentOutcomeExtensions
{
    public static string ToWireName(this DocumentOutcome outcome) => outcome switch
    {
        DocumentOutcome.Indexed => "indexed",
        DocumentOutcome.Unchanged => "unchanged",
        DocumentOutcome.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown document outcome."),
    };
}
