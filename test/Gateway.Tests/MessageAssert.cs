using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrleansTasks.Gateway.Tests;

/// <summary>Checks protocol messages field by field: exact names, JSON types and ranges.</summary>
public static partial class MessageAssert
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")]
    private static partial Regex Timestamp();

    private static readonly string[] Statuses = ["pending", "processing", "completed", "failed", "cancelled", "waiting"];

    public static string Type(JsonElement message) => message.GetProperty("type").GetString()!;

    public static long Seq(JsonElement message) => message.GetProperty("seq").GetInt64();

    public static void IsConnected(JsonElement m, Guid taskId)
    {
        HasExactly(m, "type", "task_id", "message", "current_status", "current_progress", "current", "total", "status_message", "rate", "eta_seconds", "priority", "attempt", "seq", "timestamp");
        Assert.Equal("connected", Type(m));
        Assert.Equal(taskId, m.GetProperty("task_id").GetGuid());
        Assert.False(string.IsNullOrEmpty(m.GetProperty("message").GetString()));
        Assert.Contains(m.GetProperty("current_status").GetString(), Statuses);
        Assert.InRange(m.GetProperty("current_progress").GetInt32(), -1, 100);
        Counters(m);
        Assert.Equal(JsonValueKind.String, m.GetProperty("status_message").ValueKind);
        SeqAndTime(m);
    }

    public static void IsProgress(JsonElement m, Guid taskId)
    {
        HasExactly(m, "type", "task_id", "progress", "status", "current", "total", "message", "rate", "eta_seconds", "priority", "attempt", "seq", "timestamp");
        Assert.Equal("progress", Type(m));
        Assert.Equal(taskId, m.GetProperty("task_id").GetGuid());
        Assert.InRange(m.GetProperty("progress").GetInt32(), 0, 100);
        Assert.Contains(m.GetProperty("status").GetString(), new[] { "pending", "processing", "waiting" });
        Counters(m);
        Assert.Equal(JsonValueKind.String, m.GetProperty("message").ValueKind);
        SeqAndTime(m);
    }

    public static void IsComplete(JsonElement m, Guid taskId)
    {
        HasExactly(m, "type", "task_id", "success", "message", "progress", "result", "rate", "eta_seconds", "priority", "attempt", "seq", "timestamp");
        Assert.Equal("complete", Type(m));
        Assert.Equal(taskId, m.GetProperty("task_id").GetGuid());
        Assert.Equal(100, m.GetProperty("progress").GetInt32());
        var result = m.GetProperty("result");
        HasExactly(result, "total", "success", "failed", "skipped", "details", "details_truncated");
        var total = result.GetProperty("total").GetInt32();
        var success = result.GetProperty("success").GetInt32();
        var failed = result.GetProperty("failed").GetInt32();
        var skipped = result.GetProperty("skipped").GetInt32();
        Assert.Equal(total, success + failed + skipped);
        Assert.Equal(failed == 0, m.GetProperty("success").GetBoolean());
        var details = result.GetProperty("details");
        Assert.InRange(details.GetArrayLength(), 0, 100);
        Assert.Equal(total > details.GetArrayLength(), result.GetProperty("details_truncated").GetBoolean());
        foreach (var detail in details.EnumerateArray())
        {
            var status = detail.GetProperty("status").GetString();
            Assert.Contains(status, new[] { "indexed", "unchanged", "failed" });
            if (status == "failed")
            {
                HasExactly(detail, "id", "status", "error", "attempts");
            }
            else
            {
                HasExactly(detail, "id", "status", "attempts");
            }

            Assert.True(detail.GetProperty("attempts").GetInt32() >= 1, $"attempts below 1: {detail}");
        }

        Assert.Equal(JsonValueKind.String, m.GetProperty("message").ValueKind);
        SeqAndTime(m);
    }

    public static void IsError(JsonElement m, Guid taskId)
    {
        HasExactly(m, "type", "task_id", "error", "progress", "details", "rate", "eta_seconds", "priority", "attempt", "seq", "timestamp");
        Assert.Equal("error", Type(m));
        Assert.Equal(taskId, m.GetProperty("task_id").GetGuid());
        Assert.False(string.IsNullOrEmpty(m.GetProperty("error").GetString()));
        Assert.Equal(-1, m.GetProperty("progress").GetInt32());
        Assert.False(string.IsNullOrEmpty(m.GetProperty("details").GetProperty("code").GetString()));
        SeqAndTime(m);
    }

    public static void IsCancelled(JsonElement m, Guid taskId, string cancelledBy)
    {
        HasExactly(m, "type", "task_id", "message", "progress", "cancelled_by", "rate", "eta_seconds", "priority", "attempt", "seq", "timestamp");
        Assert.Equal("cancelled", Type(m));
        Assert.Equal(taskId, m.GetProperty("task_id").GetGuid());
        Assert.InRange(m.GetProperty("progress").GetInt32(), 0, 100);
        Assert.Equal(cancelledBy, m.GetProperty("cancelled_by").GetString());
        SeqAndTime(m);
    }

    public static void IsPong(JsonElement m)
    {
        HasExactly(m, "type", "timestamp");
        Assert.Equal("pong", Type(m));
        Assert.Matches(Timestamp(), m.GetProperty("timestamp").GetString());
    }

    public static void IsTimestamp(JsonElement value) => Assert.Matches(Timestamp(), value.GetString());

    /// <summary>The order guarantees of one socket: seq strictly rising after connected (a terminal may repeat it), progress never falling.</summary>
    public static void AreOrdered(IReadOnlyList<JsonElement> messages)
    {
        var task = messages.Where(m => Type(m) != "pong").ToList();
        Assert.Equal("connected", Type(task[0]));
        var lastSeq = Seq(task[0]);
        var lastProgress = task[0].GetProperty("current_progress").GetInt32();
        for (var i = 1; i < task.Count; i++)
        {
            var seq = Seq(task[i]);
            var repeatsSnapshot = i == 1 && seq == lastSeq && Type(task[i]) is "complete" or "error" or "cancelled";
            Assert.True(seq > lastSeq || repeatsSnapshot, $"message {i} ({Type(task[i])}) has seq {seq} after {lastSeq}");
            lastSeq = seq;
            if (Type(task[i]) == "progress")
            {
                var progress = task[i].GetProperty("progress").GetInt32();
                Assert.True(progress >= lastProgress, $"progress fell from {lastProgress} to {progress}");
                lastProgress = progress;
            }
        }
    }

    private static void Counters(JsonElement m)
    {
        var current = m.GetProperty("current").GetInt32();
        var total = m.GetProperty("total").GetInt32();
        Assert.InRange(total, 1, int.MaxValue);
        Assert.InRange(current, 0, total);
    }

    private static void SeqAndTime(JsonElement m)
    {
        if (m.TryGetProperty("task_id", out _))
        {
            // Task messages carry the attempt of the slice being indexed; batch messages have none.
            Assert.InRange(m.GetProperty("attempt").GetInt32(), 1, 100);
        }

        Assert.InRange(Seq(m), 1, long.MaxValue);
        Assert.Matches(Timestamp(), m.GetProperty("timestamp").GetString());
    }

    private static void HasExactly(JsonElement m, params string[] names) =>
        Assert.Equal(names.Order(), m.EnumerateObject().Select(p => p.Name).Order());
}
