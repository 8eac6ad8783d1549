namespace OrleansTasks;

/// <summary>A request that names something invalid; nothing was created or changed. <see cref="Field"/> names the offending input.</summary>
[GenerateSerializer, Alias("OrleansTasks.InvalidTaskRequestException")]
public sealed class InvalidTaskRequestException : Exception
{
    public InvalidTaskRequestException()
    {
    }

    public InvalidTaskRequestException(string message)
        : base(message)
    {
    }

    public InvalidTaskRequestException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public InvalidTaskRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    [Id(0)]
    public string Field { get; init; } = "";
}
