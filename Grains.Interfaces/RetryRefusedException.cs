namespace OrleansTasks;

/// <summary>A retry that was refused, for the <see cref="Reason"/> given; nothing was created or changed.</summary>
[GenerateSerializer, Alias("OrleansTasks.RetryRefusedException")]
public sealed class RetryRefusedException : Exception
{
    /// <summary>For the serializer.</summary>
    public RetryRefusedException()
    {
    }

    /// <summary>Refused for <paramref name="reason"/>, as <paramref name="message"/> says to people.</summary>
    public RetryRefusedException(RetryRefusal reason, string message, Guid? retriedBy = null)
        : base(message)
    {
        Reason = reason;
        RetriedBy = retriedBy;
    }

    /// <summary>Why the retry was refused.</summary>
    [Id(0)]
    public RetryRefusal Reason { get; init; }

    /// <summary>With <see cref="RetryRefusal.AlreadyRetried"/>: the task or batch that retried it.</summary>
    [Id(1)]
    public Guid? RetriedBy { get; init; }
}
