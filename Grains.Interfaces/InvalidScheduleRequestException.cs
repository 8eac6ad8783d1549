namespace OrleansTasks;

/// <summary>A schedule request (its name, trigger, policies or task) that names something invalid; <see cref="InvalidRequestException.Field"/> is a field of the schedule body (<c>task.collection</c> for its task's).</summary>
[GenerateSerializer, Alias("OrleansTasks.InvalidScheduleRequestException")]
public sealed class InvalidScheduleRequestException : InvalidRequestException
{
    /// <summary>For the serializer.</summary>
    public InvalidScheduleRequestException()
    {
    }

    /// <summary><paramref name="field"/> is invalid, as <paramref name="message"/> says.</summary>
    public InvalidScheduleRequestException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    /// <inheritdoc/>
    [Id(0)]
    public override string Field { get; init; } = "";
}
