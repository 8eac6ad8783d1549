namespace OrleansTasks.Hosting;

/// <summary>No silo of the cluster answered within <see cref="OrleansTasksClientOptions.ConnectTimeout"/>; thrown when the host starts.</summary>
public sealed class ClusterUnavailableException : Exception
{
    /// <summary>A problem without a message of its own.</summary>
    public ClusterUnavailableException()
        : base("No silo of the OrleansTasks cluster answered.")
    {
    }

    /// <summary>A problem described by <paramref name="message"/>, one line.</summary>
    public ClusterUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>A problem described by <paramref name="message"/>, one line, caused by <paramref name="innerException"/>.</summary>
    public ClusterUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
