namespace OrleansTasks;

/// <summary>
/// The task store refused an operation for a reason that waiting will not cure (a missing table, a
/// denied permission, a statement the schema does not accept): a defect or a broken deployment,
/// not load. Silos throw it in place of the provider's exception, which the other side of a grain
/// call cannot deserialize, after logging the full exception once; its message names only the
/// PostgreSQL error code. The gateway answers it with a plain 500.
/// </summary>
[GenerateSerializer, Alias("OrleansTasks.StorageFailedException")]
public sealed class StorageFailedException : Exception
{
    /// <summary>The task store failed the operation.</summary>
    public StorageFailedException()
        : base("The task store failed the operation.")
    {
    }

    /// <summary>The task store failed the operation, as <paramref name="message"/> says (the PostgreSQL error code, nothing more).</summary>
    public StorageFailedException(string message)
        : base(message)
    {
    }
}
