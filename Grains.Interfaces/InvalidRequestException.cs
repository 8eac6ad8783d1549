namespace OrleansTasks;

/// <summary>
/// A request that names something invalid; nothing was created or changed. <see cref="Field"/> names the
/// offending input. The gateway answers every kind with the same 400; the subtypes say what the request was for,
/// and each declares <see cref="Field"/> itself so that it is serialized as before this base existed
/// (see <see cref="InvalidRequestExceptionBaseCodec"/>).
/// </summary>
public abstract class InvalidRequestException : Exception
{
    protected InvalidRequestException()
    {
    }

    protected InvalidRequestException(string message)
        : base(message)
    {
    }

    public abstract string Field { get; init; }
}
