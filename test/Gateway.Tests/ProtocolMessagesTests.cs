using System.Text.Json;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Gateway.Tests;

public sealed class ProtocolMessagesTests
{
    private static readonly Guid TaskId = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2025, 1, 22, 10, 0, 0, 123, 456, TimeSpan.Zero);

    private static IndexTaskSnapshot Snapshot(IndexTaskStatus status) => new()
    {
        TaskId = TaskId,
        OwnerId = "alice",
        Collection = "docs",
        Status = status,
        Progress = status == IndexTaskStatus.Failed ? -1 : 40,
        Current = 2,
        Total = 5,
        Message = "Indexing 2/5",
        Seq = 7,
        Counts = new TaskCounts(1, 0, 1),
        CreatedAt = At,
        UpdatedAt = At,
    };

    private static JsonElement Parse(byte[] message) => JsonDocument.Parse(message).RootElement;

    [Fact]
    public void An_error_message_carries_the_error_text_progress_minus_one_and_a_stable_code()
    {
        var failed = Snapshot(IndexTaskStatus.Failed) with { Error = new TaskError("index_unavailable", "Indexing failed.", "a.md") };

        var message = Parse(ProtocolMessages.ForEvent(failed));

        MessageAssert.IsError(message, TaskId);
        Assert.Equal("Indexing failed.", message.GetProperty("error").GetString());
        Assert.Equal("index_unavailable", message.GetProperty("details").GetProperty("code").GetString());
        Assert.Equal("a.md", message.GetProperty("details").GetProperty("document_id").GetString());
        Assert.Equal("2025-01-22T10:00:00.123456Z", message.GetProperty("timestamp").GetString());
    }

    [Fact]
    public void A_cancelled_message_keeps_the_last_progress_and_says_who_cancelled()
    {
        var cancelled = Snapshot(IndexTaskStatus.Cancelled) with { CancelledBy = "batch:42", Message = "Cancelled by batch:42" };

        var message = Parse(ProtocolMessages.ForEvent(cancelled));

        MessageAssert.IsCancelled(message, TaskId, "batch:42");
        Assert.Equal(40, message.GetProperty("progress").GetInt32());
        Assert.Equal(7, message.GetProperty("seq").GetInt64());
    }

    [Fact]
    public void A_complete_message_lists_details_with_errors_only_on_failures()
    {
        var completed = Snapshot(IndexTaskStatus.Completed) with
        {
            Progress = 100,
            Result = new TaskResultPreview([new DocumentResult("b.md", DocumentOutcome.Failed, "empty"), new DocumentResult("a.md", DocumentOutcome.Indexed) { Attempts = 3 }], false),
        };

        var message = Parse(ProtocolMessages.ForEvent(completed));

        MessageAssert.IsComplete(message, TaskId);
        Assert.False(message.GetProperty("success").GetBoolean());
        Assert.Equal(2, message.GetProperty("result").GetProperty("total").GetInt32());
        Assert.Equal([1, 3], message.GetProperty("result").GetProperty("details").EnumerateArray().Select(d => d.GetProperty("attempts").GetInt32()));
    }

    [Fact]
    public void A_connected_message_for_a_failed_task_reports_progress_minus_one()
    {
        var message = Parse(ProtocolMessages.Connected(Snapshot(IndexTaskStatus.Failed), At));

        MessageAssert.IsConnected(message, TaskId);
        Assert.Equal(-1, message.GetProperty("current_progress").GetInt32());
        Assert.Equal("failed", message.GetProperty("current_status").GetString());
    }
}
