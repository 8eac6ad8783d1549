namespace OrleansTasks;

/// <summary>A task request (its documents, source, dependencies or timing) that names something invalid.</summary>
[GenerateSerializer, Alias("OrleansTasks.InvalidTaskRequestException")]
public sealed class InvalidTaskRequestException : InvalidRequestException
{
    /// <summary>For the serializer.</summary>
    public InvalidTaskRequestException()
    {
    }

    /// <summary><paramref name="field"/> is invalid, as <paramref name="message"/> says.</summary>
    public InvalidTaskRequestException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    /// <inheritdoc/>
    [Id(0)]
    public override string Field { get; init; } = "";
}
