namespace OrleansTasks;

/// <summary>A search whose collection, query or limit is invalid.</summary>
[GenerateSerializer, Alias("OrleansTasks.InvalidSearchRequestException")]
public sealed class InvalidSearchRequestException : InvalidRequestException
{
    public InvalidSearchRequestException()
    {
    }

    public InvalidSearchRequestException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    [Id(0)]
    public override string Field { get; init; } = "";
}
