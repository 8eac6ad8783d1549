namespace OrleansTasks.Feeds;

/// <summary>Whose tasks, batches and schedules an owner feed follows: one owner's, or everyone's (for admins).</summary>
internal sealed record OwnerScope
{
    private OwnerScope(string? ownerId) => OwnerId = ownerId;

    /// <summary>Every owner's tasks.</summary>
    public static OwnerScope Everyone { get; } = new((string?)null);

    /// <summary>The owner followed; null for everyone.</summary>
    public string? OwnerId { get; }

    /// <summary>The stream the scope's tasks publish their changes on.</summary>
    public StreamId Stream => OwnerId is null ? TaskStreams.ForEveryone() : TaskStreams.ForOwner(OwnerId);

    /// <summary>The stream the scope's batches and schedules publish their changes on.</summary>
    public StreamId ListsStream => OwnerId is null ? TaskStreams.ForEveryoneLists() : TaskStreams.ForOwnerLists(OwnerId);

    /// <summary>The tasks of <paramref name="ownerId"/> (<c>user:alice</c>, <c>service:reports</c>).</summary>
    public static OwnerScope Of(string ownerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ownerId);
        return new(ownerId);
    }

    /// <inheritdoc/>
    public override string ToString() => OwnerId ?? "everyone";
}
