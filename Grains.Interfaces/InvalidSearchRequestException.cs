namespace OrleansTasks;

/// <summary>A search whose collection, query or limit is invalid.</summary>
[GenerateSerializer, Alias("OrleansTasks.InvalidSearchRequestException")]
public sealed class InvalidSearchRequestException : InvalidRequestException
{
    /// <summary>For the serializer.</summary>
    public InvalidSearchRequestException()
    {
    }

    /// <summary><paramref name="field"/> is invalid, as <paramref name="message"/> says.</summary>
    public InvalidSearchRequestException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    /// <inheritdoc/>
    [Id(0)]
    public override string Field { get; init; } = "";
}
