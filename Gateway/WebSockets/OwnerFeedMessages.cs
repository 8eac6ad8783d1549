using System.Text.Json;
using OrleansTasks.Feeds;
using OrleansTasks.Gateway.Json;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>The server→client messages of <c>/ws/tasks</c> (docs/protocol.md §5).</summary>
internal static class OwnerFeedMessages
{
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
