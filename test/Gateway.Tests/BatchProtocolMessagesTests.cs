using System.Text.Json;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Gateway.Tests;

public sealed class BatchProtocolMessagesTests
{
    private static readonly Guid BatchId = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2025, 1, 22, 10, 0, 0, 123, 456, TimeSpan.Zero);

    private static GroupTask Task(IndexTaskStatus status, int current, int total) =>
        new(Guid.NewGuid(), "t", status, current, total, new TaskCounts(status == IndexTaskStatus.Completed ? total : current, 0, 0), 3);

    private static BatchSnapshot Batch(string? cancelledBy, params GroupTask[] tasks) => new()
    {
        BatchId = BatchId,
        OwnerId = "alice",
        Rollup = TaskGroupProgress.Of(tasks),
        Message = "message",
        Seq = 9,
        Tasks = [.. tasks],
        CreatedAt = At,
        UpdatedAt = At,
        CancelledBy = cancelledBy,
    };

    private static JsonElement Parse(byte[] message) => JsonDocument.Parse(message).RootElement;

    [Fact]
    public void A_batch_with_a_failed_task_ends_with_an_error_naming_the_failed_and_cancelled_tasks()
    {
        var failed = Task(IndexTaskStatus.Failed, 3, 10);
        var cancelled = Task(IndexTaskStatus.Cancelled, 0, 10);
        var batch = Batch(null, Task(IndexTaskStatus.Completed, 10, 10), failed, cancelled);

        var message = Parse(BatchProtocolMessages.ForEvent(batch));

        MessageAssert.IsBatchError(message, BatchId);
        Assert.Equal([failed.TaskId], message.GetProperty("details").GetProperty("failed_tasks").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal([cancelled.TaskId], message.GetProperty("details").GetProperty("cancelled_tasks").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal("2025-01-22T10:00:00.123456Z", message.GetProperty("timestamp").GetString());
    }

    [Fact]
    public void A_batch_whose_tasks_were_cancelled_one_by_one_ends_cancelled_with_a_null_cancelled_by()
    {
        var batch = Batch(null, Task(IndexTaskStatus.Completed, 10, 10), Task(IndexTaskStatus.Cancelled, 4, 10));

        var message = Parse(BatchProtocolMessages.ForEvent(batch));

        MessageAssert.IsBatchCancelled(message, BatchId, null);
        Assert.Equal(JsonValueKind.Null, message.GetProperty("cancelled_by").ValueKind);
        Assert.Equal(70, message.GetProperty("progress").GetInt32());
    }

    [Fact]
    public void A_running_batch_reports_documents_weighted_progress_and_per_task_counts()
    {
        var batch = Batch(null, Task(IndexTaskStatus.Completed, 100, 100), Task(IndexTaskStatus.Processing, 50, 300), Task(IndexTaskStatus.Waiting, 0, 100));

        var message = Parse(BatchProtocolMessages.ForEvent(batch));

        MessageAssert.IsBatchProgress(message, BatchId);
        Assert.Equal(30, message.GetProperty("progress").GetInt32());
        Assert.Equal(150, message.GetProperty("current").GetInt32());
        Assert.Equal(500, message.GetProperty("total").GetInt32());
        var tasks = message.GetProperty("tasks");
        Assert.Equal((1, 1, 1), (tasks.GetProperty("completed").GetInt32(), tasks.GetProperty("processing").GetInt32(), tasks.GetProperty("waiting").GetInt32()));
    }
}
