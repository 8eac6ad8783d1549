namespace OrleansTasks;

/// <summary>A task request (its documents, source, dependencies or timing) that names something invalid.</summary>
[GenerateSerializer, Alias("OrleansTasks.InvalidTaskRequestException")]
public sealed class InvalidTaskRequestException : InvalidRequestException
{
    public InvalidTaskRequestException()
    {
    }

    public InvalidTaskRequestException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    [Id(0)]
    public override string Field { get; init; } = "";
}
