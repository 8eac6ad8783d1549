namespace OrleansTasks;

/// <summary>A request for a page of a list (task history, a user's batches or schedules) with a cursor this server did not give out, a limit out of range or a bad filter.</summary>
[GenerateSerializer, Alias("OrleansTasks.InvalidListRequestException")]
public sealed class InvalidListRequestException : InvalidRequestException
{
    /// <summary>For the serializer.</summary>
    public InvalidListRequestException()
    {
    }

    /// <summary><paramref name="field"/> is invalid, as <paramref name="message"/> says.</summary>
    public InvalidListRequestException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    /// <inheritdoc/>
    [Id(0)]
    public override string Field { get; init; } = "";
}
