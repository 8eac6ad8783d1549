namespace OrleansTasks.Uploads;

/// <summary>
/// An upload as its store keeps it: who sent it and when, whether its body arrived whole
/// (<see cref="Completed"/>; only then is it usable as a source), its size and its documents (its
/// non-blank lines).
/// </summary>
public sealed record UploadInfo(Guid Id, string OwnerId, DateTimeOffset CreatedAt, bool Completed, long Bytes, long Lines) : IOwned;
