namespace OrleansTasks;

/// <summary>
/// The task store (PostgreSQL) could not serve a grain call: no connection became free in time,
/// the server refused or was unreachable. Nothing the caller asked for may have happened; trying
/// again shortly is safe. Silos throw it in place of the provider's exceptions, which the other
/// side of a grain call cannot deserialize; its message names the kind of failure, never the
/// connection string or the data. The gateway answers it with 503 and <c>Retry-After</c>.
/// </summary>
[GenerateSerializer, Alias("OrleansTasks.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    /// <summary>The task store is unavailable.</summary>
    public StorageUnavailableException()
        : base("The task store is unavailable.")
    {
    }

    /// <summary>The task store is unavailable, as <paramref name="message"/> says.</summary>
    public StorageUnavailableException(string message)
        : base(message)
    {
    }
}
