namespace OrleansTasks.Hosting;

/// <summary>A configuration problem that stops the start; its message is the one line the operator sees.</summary>
public sealed class StartupException : Exception
{
    public StartupException()
        : base("OrleansTasks cannot start.")
    {
    }

    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
