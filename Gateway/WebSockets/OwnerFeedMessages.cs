using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTasks.Feeds;
using OrleansTasks.Gateway.Apis;
using OrleansTasks.Gateway.Json;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>The server→client messages of <c>/ws/tasks</c> (docs/protocol.md §5).</summary>
internal static class OwnerFeedMessages
{
    // The REST rows' shape (see GatewayJson): batch and schedule messages are those rows plus their type.
    private static readonly JsonSerializerOptions Rows = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The message for a change of any item of the feed.</summary>
    public static byte[] For(IOwnerFeedItem change) => change switch
    {
        TaskSummary task => Task(task),
        BatchSnapshot batch => Batch(batch),
        ScheduleSnapshot schedule => Schedule(schedule),
        _ => throw new ArgumentException($"An owner feed carries no {change.GetType().Name}.", nameof(change)),
    };

    /// <summary>A <c>batch</c> message: the batch's row of <c>GET /api/batches</c> as of the change.</summary>
    public static byte[] Batch(BatchSnapshot batch) => Row("batch", BatchView.From(batch, withTasks: false), batch.UpdatedAt, deleted: false);

    /// <summary>A <c>schedule</c> message: the schedule's row of <c>GET /api/schedules</c> as of the change, and <c>deleted</c> once it is.</summary>
    public static byte[] Schedule(ScheduleSnapshot schedule) => Row("schedule", ScheduleView.From(schedule), schedule.UpdatedAt, schedule.Deleted);

    private static byte[] Row<TView>(string type, TView row, DateTimeOffset at, bool deleted) => FeedMessages.Write(w =>
    {
        w.WriteString("type", type);
        foreach (var field in JsonSerializer.SerializeToElement(row, Rows).EnumerateObject())
        {
            field.WriteTo(w);
        }

        if (deleted)
        {
            w.WriteBoolean("deleted", true);
        }

        w.WriteString("timestamp", at.ToWire());
    });

    /// <param name="ownerId">The caller's owner id, also when following everyone.</param>
    public static byte[] Connected(OwnerScope scope, string ownerId, DateTimeOffset now) => FeedMessages.Write(w =>
    {
        ArgumentNullException.ThrowIfNull(scope);
        w.WriteString("type", "connected");
        w.WriteString("scope", scope.OwnerId is null ? "all" : "mine");
        w.WriteString("owner_id", ownerId);
        w.WriteString("message", $"Connected to the task feed of {(scope.OwnerId is null ? "everyone" : ownerId)}");
        w.WriteString("timestamp", now.ToWire());
    });

    /// <summary>A <c>task</c> message: the task's list row as of the change.</summary>
    public static byte[] Task(TaskSummary task) => FeedMessages.Write(w =>
    {
        ArgumentNullException.ThrowIfNull(task);
        w.WriteString("type", "task");
        w.WriteString("task_id", task.TaskId);
        w.WriteString("status", task.Status.ToWireName());
        w.WriteNumber("progress", task.Progress);
        w.WriteNumber("current", task.Current);
        w.WriteNumber("total", task.Total);
        w.WriteString("message", task.Message);
        w.WriteString("collection", task.Collection);
        w.WriteString("owner_id", task.OwnerId);
        w.WriteString("created_at", task.CreatedAt.ToWire());
        w.WriteString("updated_at", task.UpdatedAt.ToWire());
        WriteOrNull(w, "finished_at", task.FinishedAt.ToWire());
        WriteOrNull(w, "batch_id", task.BatchId?.ToString());
        WriteOrNull(w, "schedule_id", task.ScheduleId?.ToString());
        WriteOrNull(w, "retry_of", task.RetryOf?.ToString());
        WriteOrNull(w, "retried_by", task.RetriedBy?.ToString());
        WriteOrNull(w, "rate", task.Rate is { } rate ? Math.Round(rate, 1) : null);
        WriteOrNull(w, "eta_seconds", task.EtaSeconds);
        w.WriteNumber("seq", task.Seq);
        w.WriteString("priority", task.Priority.ToWireName());
        w.WriteNumber("attempt", task.Attempt);
        w.WriteString("timestamp", task.UpdatedAt.ToWire());
    });

    private static void WriteOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteOrNull(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
