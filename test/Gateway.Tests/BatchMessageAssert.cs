using System.Text.Json;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The batch messages of <c>/ws/batch/{id}</c>, field by field.</summary>
public static partial class MessageAssert
{
    public static void IsBatchConnected(JsonElement m, Guid batchId)
    {
        HasExactly(m, "type", "batch_id", "message", "current_status", "current_progress", "current", "total", "status_message", "tasks", "seq", "timestamp");
        Assert.Equal("connected", Type(m));
        Assert.Equal(batchId, m.GetProperty("batch_id").GetGuid());
        Assert.Contains(m.GetProperty("current_status").GetString(), Statuses);
        Assert.InRange(m.GetProperty("current_progress").GetInt32(), -1, 100);
        Counters(m);
        TaskCounts(m);
        SeqAndTime(m);
    }

    public static void IsBatchProgress(JsonElement m, Guid batchId)
    {
        HasExactly(m, "type", "batch_id", "progress", "status", "current", "total", "message", "tasks", "seq", "timestamp");
        Assert.Equal("progress", Type(m));
        Assert.Equal(batchId, m.GetProperty("batch_id").GetGuid());
        Assert.InRange(m.GetProperty("progress").GetInt32(), 0, 100);
        Assert.Contains(m.GetProperty("status").GetString(), new[] { "pending", "processing", "waiting" });
        Counters(m);
        TaskCounts(m);
        SeqAndTime(m);
    }

    public static void IsBatchComplete(JsonElement m, Guid batchId)
    {
        HasExactly(m, "type", "batch_id", "success", "message", "progress", "result", "tasks", "seq", "timestamp");
        Assert.Equal("complete", Type(m));
        Assert.Equal(batchId, m.GetProperty("batch_id").GetGuid());
        Assert.Equal(100, m.GetProperty("progress").GetInt32());
        var result = m.GetProperty("result");
        HasExactly(result, "total", "success", "failed", "skipped");
        Assert.Equal(result.GetProperty("total").GetInt32(),
            result.GetProperty("success").GetInt32() + result.GetProperty("failed").GetInt32() + result.GetProperty("skipped").GetInt32());
        Assert.Equal(result.GetProperty("failed").GetInt32() == 0, m.GetProperty("success").GetBoolean());
        var tasks = TaskCounts(m);
        Assert.Equal(tasks.GetProperty("total").GetInt32(), tasks.GetProperty("completed").GetInt32());
        SeqAndTime(m);
    }

    public static void IsBatchError(JsonElement m, Guid batchId)
    {
        HasExactly(m, "type", "batch_id", "error", "progress", "details", "tasks", "seq", "timestamp");
        Assert.Equal("error", Type(m));
        Assert.Equal(batchId, m.GetProperty("batch_id").GetGuid());
        Assert.False(string.IsNullOrEmpty(m.GetProperty("error").GetString()));
        Assert.Equal(-1, m.GetProperty("progress").GetInt32());
        var details = m.GetProperty("details");
        HasExactly(details, "code", "failed_tasks", "cancelled_tasks");
        Assert.Equal("tasks_failed", details.GetProperty("code").GetString());
        Assert.Equal(TaskCounts(m).GetProperty("failed").GetInt32(), details.GetProperty("failed_tasks").GetArrayLength());
        SeqAndTime(m);
    }

    public static void IsBatchCancelled(JsonElement m, Guid batchId, string? cancelledBy)
    {
        HasExactly(m, "type", "batch_id", "message", "progress", "cancelled_by", "tasks", "seq", "timestamp");
        Assert.Equal("cancelled", Type(m));
        Assert.Equal(batchId, m.GetProperty("batch_id").GetGuid());
        Assert.InRange(m.GetProperty("progress").GetInt32(), 0, 100);
        Assert.Equal(cancelledBy, m.GetProperty("cancelled_by").GetString());
        Assert.Equal(0, Unfinished(TaskCounts(m)));
        SeqAndTime(m);
    }

    private static JsonElement TaskCounts(JsonElement m)
    {
        var tasks = m.GetProperty("tasks");
        HasExactly(tasks, "total", "pending", "waiting", "processing", "completed", "failed", "cancelled");
        var sum = tasks.EnumerateObject().Where(p => p.Name != "total").Sum(p => p.Value.GetInt32());
        Assert.Equal(tasks.GetProperty("total").GetInt32(), sum);
        Assert.InRange(sum, 1, int.MaxValue);
        return tasks;
    }

    private static int Unfinished(JsonElement tasks) =>
        tasks.GetProperty("pending").GetInt32() + tasks.GetProperty("waiting").GetInt32() + tasks.GetProperty("processing").GetInt32();
}
