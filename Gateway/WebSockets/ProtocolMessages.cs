using System.Text.Json;
using OrleansTasks.Gateway.Json;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The server→client messages of <c>/ws/task/{id}</c> (docs/protocol.md §3.2): the seed's fields with
/// their names and types, plus ours, in the shape <see cref="FeedMessages"/> gives every feed.
/// Task messages carry the event's time; <c>connected</c> and <c>pong</c> carry the time they are sent.
/// </summary>
public static class ProtocolMessages
{
    public static byte[] Connected(IndexTaskSnapshot task, DateTimeOffset now) => FeedMessages.Connected(Fields(task), now);

    /// <summary>The message for a task event: <c>progress</c> while it runs, else its terminal message.</summary>
    public static byte[] ForEvent(IndexTaskSnapshot task) => task.Status switch
    {
        IndexTaskStatus.Completed => FeedMessages.Complete(Fields(task), task.Counts, w => WriteDetails(w, task)),
        IndexTaskStatus.Failed => FeedMessages.Error(Fields(task), task.Error?.Message ?? task.Message, task.Error?.Code ?? "failed", w =>
        {
            if (task.Error?.DocumentId is { } documentId)
            {
                w.WriteString("document_id", documentId);
            }
        }),
        IndexTaskStatus.Cancelled => FeedMessages.Cancelled(Fields(task), task.CancelledBy ?? ""),
        _ => FeedMessages.Progress(Fields(task)),
    };

    public static byte[] Pong(DateTimeOffset now) => FeedMessages.Write(w =>
    {
        w.WriteString("type", "pong");
        w.WriteString("timestamp", now.ToWire());
    });

    private static FeedFields Fields(IndexTaskSnapshot task) =>
        new("task", "task_id", task.TaskId, task.Status, task.Progress, task.Current, task.Total, task.Message, task.Seq, task.UpdatedAt,
            w =>
            {
                WriteRate(w, task);
                w.WriteString("priority", task.Priority.ToWireName());
                w.WriteNumber("attempt", task.Attempt);
            });

    /// <summary><c>rate</c> and <c>eta_seconds</c> (docs/protocol.md §5), on every task message.</summary>
    private static void WriteRate(Utf8JsonWriter w, IndexTaskSnapshot task)
    {
        if (task.Rate is { } rate)
        {
            w.WriteNumber("rate", Math.Round(rate, 1));
        }
        else
        {
            w.WriteNull("rate");
        }

        if (task.EtaSeconds is { } eta)
        {
            w.WriteNumber("eta_seconds", eta);
        }
        else
        {
            w.WriteNull("eta_seconds");
        }
    }

    private static void WriteDetails(Utf8JsonWriter w, IndexTaskSnapshot task)
    {
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

            w.WriteNumber("attempts", detail.Attempts);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteBoolean("details_truncated", task.Result?.Truncated ?? false);
        if (task.DeleteMissing)
        {
            w.WriteNumber("deleted", task.Deleted ?? 0);
            if (task.DeleteSkipped is { } skipped)
            {
                w.WriteString("delete_skipped", skipped);
            }
        }
    }
}
