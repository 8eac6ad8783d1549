using System.Buffers;
using System.Text.Json;
using OrleansTasks.Gateway.Json;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Writes the server→client messages of docs/protocol.md §3.2, field by field: the seed's fields with
/// their names and types, plus ours. Task messages carry the event's time; <c>connected</c> and
/// <c>pong</c> carry the time they are sent.
/// </summary>
public static class ProtocolMessages
{
    public static byte[] Connected(IndexTaskSnapshot task, DateTimeOffset now) => Write(w =>
    {
        w.WriteString("type", "connected");
        w.WriteString("task_id", task.TaskId);
        w.WriteString("message", $"Connected to the progress feed of task {task.TaskId}");
        w.WriteString("current_status", task.Status.ToWireName());
        w.WriteNumber("current_progress", task.Progress);
        w.WriteNumber("current", task.Current);
        w.WriteNumber("total", task.Total);
        w.WriteString("status_message", task.Message);
        w.WriteNumber("seq", task.Seq);
        w.WriteString("timestamp", now.ToWire());
    });

    /// <summary>The message for a task event: <c>progress</c> while it runs, else its terminal message.</summary>
    public static byte[] ForEvent(IndexTaskSnapshot task) => task.Status switch
    {
        IndexTaskStatus.Completed => Complete(task),
        IndexTaskStatus.Failed => Error(task),
        IndexTaskStatus.Cancelled => Cancelled(task),
        _ => Progress(task),
    };

    public static byte[] Pong(DateTimeOffset now) => Write(w =>
    {
        w.WriteString("type", "pong");
        w.WriteString("timestamp", now.ToWire());
    });

    private static byte[] Progress(IndexTaskSnapshot task) => Write(w =>
    {
        w.WriteString("type", "progress");
        w.WriteString("task_id", task.TaskId);
        w.WriteNumber("progress", task.Progress);
        w.WriteString("status", task.Status.ToWireName());
        w.WriteNumber("current", task.Current);
        w.WriteNumber("total", task.Total);
        w.WriteString("message", task.Message);
        w.WriteNumber("seq", task.Seq);
        w.WriteString("timestamp", task.UpdatedAt.ToWire());
    });

    private static byte[] Complete(IndexTaskSnapshot task) => Write(w =>
    {
        var counts = task.Counts;
        w.WriteString("type", "complete");
        w.WriteString("task_id", task.TaskId);
        w.WriteBoolean("success", counts.Failed == 0);
        w.WriteString("message", task.Message);
        w.WriteNumber("progress", 100);
        w.WriteStartObject("result");
        w.WriteNumber("total", counts.Processed);
        w.WriteNumber("success", counts.Indexed);
        w.WriteNumber("failed", counts.Failed);
        w.WriteNumber("skipped", counts.Unchanged);
        w.WriteStartArray("details");
        foreach (var detail in task.Result?.Details ?? [])
        {
            w.WriteStartObject();
            w.WriteString("id", detail.Id);
            w.WriteString("status", detail.Outcome.ToWireName());
            if (detail.Error is not null)
            {
                w.WriteString("error", detail.Error);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteBoolean("details_truncated", task.Result?.Truncated ?? false);
        w.WriteEndObject();
        w.WriteNumber("seq", task.Seq);
        w.WriteString("timestamp", task.UpdatedAt.ToWire());
    });

    private static byte[] Error(IndexTaskSnapshot task) => Write(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("task_id", task.TaskId);
        w.WriteString("error", task.Error?.Message ?? task.Message);
        w.WriteNumber("progress", -1);
        w.WriteStartObject("details");
        w.WriteString("code", task.Error?.Code ?? "failed");
        if (task.Error?.DocumentId is { } documentId)
        {
            w.WriteString("document_id", documentId);
        }

        w.WriteEndObject();
        w.WriteNumber("seq", task.Seq);
        w.WriteString("timestamp", task.UpdatedAt.ToWire());
    });

    private static byte[] Cancelled(IndexTaskSnapshot task) => Write(w =>
    {
        w.WriteString("type", "cancelled");
        w.WriteString("task_id", task.TaskId);
        w.WriteString("message", task.Message);
        w.WriteNumber("progress", task.Progress);
        w.WriteString("cancelled_by", task.CancelledBy ?? "");
        w.WriteNumber("seq", task.Seq);
        w.WriteString("timestamp", task.UpdatedAt.ToWire());
    });

    internal static byte[] Write(Action<Utf8JsonWriter> body)
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
}
