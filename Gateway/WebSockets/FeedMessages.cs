using System.Buffers;
using System.Text.Json;
using OrleansTasks.Gateway.Json;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The shape every feed message shares (docs/protocol.md §3.2), written once for tasks and batches: its
/// type and the id of what it watches first; then its own fields; then the kind's trailer,
/// <c>seq</c> and <c>timestamp</c>. What a kind's terminal messages carry beyond these, the
/// kind's message class passes in.
/// </summary>
internal static class FeedMessages
{
    public static byte[] Connected(FeedFields feed, DateTimeOffset now) => Write("connected", feed, now, w =>
    {
        w.WriteString("message", $"Connected to the progress feed of {feed.Noun} {feed.Id}");
        w.WriteString("current_status", feed.Status.ToWireName());
        w.WriteNumber("current_progress", feed.Progress);
        w.WriteNumber("current", feed.Current);
        w.WriteNumber("total", feed.Total);
        w.WriteString("status_message", feed.Message);
    });

    public static byte[] Progress(FeedFields feed) => Write("progress", feed, feed.UpdatedAt, w =>
    {
        w.WriteNumber("progress", feed.Progress);
        w.WriteString("status", feed.Status.ToWireName());
        w.WriteNumber("current", feed.Current);
        w.WriteNumber("total", feed.Total);
        w.WriteString("message", feed.Message);
    });

    /// <param name="details">Writes what <c>result</c> holds beyond the counts.</param>
    public static byte[] Complete(FeedFields feed, TaskCounts documents, Action<Utf8JsonWriter>? details = null) => Write("complete", feed, feed.UpdatedAt, w =>
    {
        w.WriteBoolean("success", documents.Failed == 0);
        w.WriteString("message", feed.Message);
        w.WriteNumber("progress", 100);
        w.WriteStartObject("result");
        w.WriteNumber("total", documents.Processed);
        w.WriteNumber("success", documents.Indexed);
        w.WriteNumber("failed", documents.Failed);
        w.WriteNumber("skipped", documents.Unchanged);
        details?.Invoke(w);
        w.WriteEndObject();
    });

    /// <param name="details">Writes what <c>details</c> holds beyond the code.</param>
    public static byte[] Error(FeedFields feed, string error, string code, Action<Utf8JsonWriter> details) => Write("error", feed, feed.UpdatedAt, w =>
    {
        w.WriteString("error", error);
        w.WriteNumber("progress", -1);
        w.WriteStartObject("details");
        w.WriteString("code", code);
        details(w);
        w.WriteEndObject();
    });

    /// <param name="cancelledBy">Who cancelled it; null writes a JSON null.</param>
    public static byte[] Cancelled(FeedFields feed, string? cancelledBy) => Write("cancelled", feed, feed.UpdatedAt, w =>
    {
        w.WriteString("message", feed.Message);
        w.WriteNumber("progress", feed.Progress);
        w.WritePropertyName("cancelled_by");
        if (cancelledBy is null)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteStringValue(cancelledBy);
        }
    });

    /// <summary>One JSON object, whose members <paramref name="body"/> writes.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Write(string type, FeedFields feed, DateTimeOffset at, Action<Utf8JsonWriter> body) => Write(w =>
    {
        w.WriteString("type", type);
        w.WriteString(feed.IdName, feed.Id);
        body(w);
        feed.Trailer?.Invoke(w);
        w.WriteNumber("seq", feed.Seq);
        w.WriteString("timestamp", at.ToWire());
    });
}
