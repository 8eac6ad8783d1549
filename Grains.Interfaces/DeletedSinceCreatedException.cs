namespace OrleansTasks;

/// <summary>
/// A create repeated under its <c>Idempotency-Key</c> after what the first call created was deleted:
/// nothing is created again (a deleted schedule does not come back under its old id and <c>seq</c>).
/// </summary>
[GenerateSerializer, Alias("OrleansTasks.DeletedSinceCreatedException")]
public sealed class DeletedSinceCreatedException : Exception
{
    /// <summary>For the serializer.</summary>
    public DeletedSinceCreatedException()
    {
    }

    /// <summary>What was created under the key, and deleted since, as <paramref name="message"/> says to people.</summary>
    public DeletedSinceCreatedException(Guid id, string message)
        : base(message)
    {
        Id = id;
    }

    /// <summary>The id the first call created, now deleted.</summary>
    [Id(0)]
    public Guid Id { get; init; }
}
