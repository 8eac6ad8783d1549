namespace OrleansTasks.Hosting;

/// <summary>A configuration problem that stops the start; its message is the one line the operator sees.</summary>
public sealed class StartupException : Exception
{
    /// <summary>A problem without a message of its own.</summary>
    public StartupException()
        : base("OrleansTasks cannot start.")
    {
    }

    /// <summary>A problem described by <paramref name="message"/>, one line.</summary>
    public StartupException(string message)
        : base(message)
    {
    }

    /// <summary>A problem described by <paramref name="message"/>, one line, caused by <paramref name="innerException"/>.</summary>
    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
