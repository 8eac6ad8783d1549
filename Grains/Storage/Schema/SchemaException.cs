namespace OrleansTasks.Storage.Schema;

/// <summary>The database cannot be used as it is: unreachable, unmigrated, or newer than this build.</summary>
public sealed class SchemaException : Exception
{
    public SchemaException()
    {
    }

    public SchemaException(string message)
        : base(message)
    {
    }

    public SchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
