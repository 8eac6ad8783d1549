using System.Text.Json;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The messages of <c>/ws/batch/{id}</c>, in the shape <see cref="FeedMessages"/> gives every feed:
/// the task messages' types, <c>batch_id</c> in place of <c>task_id</c>, and the per-task counts
/// in <c>tasks</c>.
/// </summary>
public static class BatchProtocolMessages
{
    public static byte[] Connected(BatchSnapshot batch, DateTimeOffset now) => FeedMessages.Connected(Fields(batch), now);

    public static byte[] ForEvent(BatchSnapshot batch) => batch.Status switch
    {
        IndexTaskStatus.Completed => FeedMessages.Complete(Fields(batch), batch.Rollup.Documents),
        IndexTaskStatus.Failed => FeedMessages.Error(Fields(batch), batch.Message, "tasks_failed", w =>
        {
            WriteIds(w, "failed_tasks", batch, IndexTaskStatus.Failed);
            WriteIds(w, "cancelled_tasks", batch, IndexTaskStatus.Cancelled);
        }),

        // Without a canceller its tasks were cancelled one by one, not the batch as a whole: null.
        IndexTaskStatus.Cancelled => FeedMessages.Cancelled(Fields(batch), batch.CancelledBy),
        _ => FeedMessages.Progress(Fields(batch)),
    };

    private static FeedFields Fields(BatchSnapshot batch) =>
        new("batch", "batch_id", batch.BatchId, batch.Status, batch.Progress, batch.Rollup.Current, batch.Rollup.Total, batch.Message, batch.Seq, batch.UpdatedAt,
            w => WriteTasks(w, batch));

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
