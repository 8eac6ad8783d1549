using System.Text.Json;
using OrleansTasks.Gateway.Json;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The messages of <c>/ws/batch/{id}</c>, in the style of the task messages: the same types,
/// <c>batch_id</c> in place of <c>task_id</c>, and the per-task counts in <c>tasks</c>.
/// </summary>
public static class BatchProtocolMessages
{
    public static byte[] Connected(BatchSnapshot batch, DateTimeOffset now) => ProtocolMessages.Write(w =>
    {
        w.WriteString("type", "connected");
        w.WriteString("batch_id", batch.BatchId);
        w.WriteString("message", $"Connected to the progress feed of batch {batch.BatchId}");
        w.WriteString("current_status", batch.Status.ToWireName());
        w.WriteNumber("current_progress", batch.Progress);
        w.WriteNumber("current", batch.Rollup.Current);
        w.WriteNumber("total", batch.Rollup.Total);
        w.WriteString("status_message", batch.Message);
        WriteTasks(w, batch);
        w.WriteNumber("seq", batch.Seq);
        w.WriteString("timestamp", now.ToWire());
    });

    public static byte[] ForEvent(BatchSnapshot batch) => batch.Status switch
    {
        IndexTaskStatus.Completed => Complete(batch),
        IndexTaskStatus.Failed => Error(batch),
        IndexTaskStatus.Cancelled => Cancelled(batch),
        _ => Progress(batch),
    };

    private static byte[] Progress(BatchSnapshot batch) => ProtocolMessages.Write(w =>
    {
        w.WriteString("type", "progress");
        w.WriteString("batch_id", batch.BatchId);
        w.WriteNumber("progress", batch.Progress);
        w.WriteString("status", batch.Status.ToWireName());
        w.WriteNumber("current", batch.Rollup.Current);
        w.WriteNumber("total", batch.Rollup.Total);
        w.WriteString("message", batch.Message);
        WriteTasks(w, batch);
        w.WriteNumber("seq", batch.Seq);
        w.WriteString("timestamp", batch.UpdatedAt.ToWire());
    });

    private static byte[] Complete(BatchSnapshot batch) => ProtocolMessages.Write(w =>
    {
        var documents = batch.Rollup.Documents;
        w.WriteString("type", "complete");
        w.WriteString("batch_id", batch.BatchId);
        w.WriteBoolean("success", documents.Failed == 0);
        w.WriteString("message", batch.Message);
        w.WriteNumber("progress", 100);
        w.WriteStartObject("result");
        w.WriteNumber("total", documents.Processed);
        w.WriteNumber("success", documents.Indexed);
        w.WriteNumber("failed", documents.Failed);
        w.WriteNumber("skipped", documents.Unchanged);
        w.WriteEndObject();
        WriteTasks(w, batch);
        w.WriteNumber("seq", batch.Seq);
        w.WriteString("timestamp", batch.UpdatedAt.ToWire());
    });

    private static byte[] Error(BatchSnapshot batch) => ProtocolMessages.Write(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("batch_id", batch.BatchId);
        w.WriteString("error", batch.Message);
        w.WriteNumber("progress", -1);
        w.WriteStartObject("details");
        w.WriteString("code", "tasks_failed");
        WriteIds(w, "failed_tasks", batch, IndexTaskStatus.Failed);
        WriteIds(w, "cancelled_tasks", batch, IndexTaskStatus.Cancelled);
        w.WriteEndObject();
        WriteTasks(w, batch);
        w.WriteNumber("seq", batch.Seq);
        w.WriteString("timestamp", batch.UpdatedAt.ToWire());
    });

    private static byte[] Cancelled(BatchSnapshot batch) => ProtocolMessages.Write(w =>
    {
        w.WriteString("type", "cancelled");
        w.WriteString("batch_id", batch.BatchId);
        w.WriteString("message", batch.Message);
        w.WriteNumber("progress", batch.Progress);
        if (batch.CancelledBy is { } cancelledBy)
        {
            w.WriteString("cancelled_by", cancelledBy);
        }
        else
        {
            // Its tasks were cancelled one by one, not the batch as a whole.
            w.WriteNull("cancelled_by");
        }

        WriteTasks(w, batch);
        w.WriteNumber("seq", batch.Seq);
        w.WriteString("timestamp", batch.UpdatedAt.ToWire());
    });

    private static void WriteTasks(Utf8JsonWriter w, BatchSnapshot batch)
    {
        var tasks = batch.Rollup.Tasks;
        w.WriteStartObject("tasks");
        w.WriteNumber("total", tasks.Total);
        w.WriteNumber("pending", tasks.Pending);
        w.WriteNumber("waiting", tasks.Waiting);
        w.WriteNumber("processing", tasks.Processing);
        w.WriteNumber("completed", tasks.Completed);
        w.WriteNumber("failed", tasks.Failed);
        w.WriteNumber("cancelled", tasks.Cancelled);
        w.WriteEndObject();
    }

    private static void WriteIds(Utf8JsonWriter w, string name, BatchSnapshot batch, IndexTaskStatus status)
    {
        w.WriteStartArray(name);
        foreach (var task in batch.Tasks.Where(task => task.Status == status))
        {
            w.WriteStringValue(task.TaskId);
        }

        w.WriteEndArray();
    }
}
