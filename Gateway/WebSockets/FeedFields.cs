using System.Text.Json;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// What a task's and a batch's messages both say about what they watch, read from either snapshot.
/// <paramref name="Trailer"/> writes the fields that kind adds to every message, before <c>seq</c>.
/// </summary>
internal sealed record FeedFields(
    string Noun,
    string IdName,
    Guid Id,
    IndexTaskStatus Status,
    int Progress,
    int Current,
    int Total,
    string Message,
    long Seq,
    DateTimeOffset UpdatedAt,
    Action<Utf8JsonWriter>? Trailer = null);
