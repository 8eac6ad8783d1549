namespace OrleansTasks;

/// <summary>
/// A request that names something invalid; nothing was created or changed. <see cref="Field"/> names the
/// offending input. The gateway answers every kind with the same 400; the subtypes say what the request was for,
/// and each declares <see cref="Field"/> itself so that it is serialized as before this base existed
/// (see <see cref="InvalidRequestExceptionBaseCodec"/>).
/// </summary>
public abstract class InvalidRequestException : Exception
{
    /// <summary>For the serializer.</summary>
    protected InvalidRequestException()
    {
    }

    /// <summary>An invalid request, as <paramref name="message"/> says (the message REST puts in its problem body).</summary>
    protected InvalidRequestException(string message)
        : base(message)
    {
    }

    /// <summary>The offending input, in the wire's names (e.g. <c>documents[3].id</c>).</summary>
    public abstract string Field { get; init; }
}
