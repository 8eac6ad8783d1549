using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTasks.Gateway.Json;

namespace OrleansTasks.Gateway.Apis;

/// <summary>One task of a batch body: a task body plus its <c>ref</c> and what it waits for.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BatchTaskInput(
    string? Ref,
    string? Collection,
    List<DocumentInput?>? Documents,
    SourceInput? Source,
    List<string>? After = null,
    List<Guid>? DependsOn = null,
    RetryInput? Retry = null,
    JsonElement? Timeout = null,
    string? Priority = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateBatchRequest(List<BatchTaskInput?>? Tasks) : ICreateBody
{
    public static string Kind => "batch";
}

public sealed record BatchTaskAccepted(string Ref, Guid TaskId, string WsUrl);

public sealed record BatchAccepted(Guid BatchId, string Status, string WsUrl, IReadOnlyList<BatchTaskAccepted> Tasks);

public sealed record TaskStatusCountsView(int Pending, int Waiting, int Processing, int Completed, int Failed, int Cancelled)
{
    public static TaskStatusCountsView From(TaskStatusCounts counts) =>
        new(counts.Pending, counts.Waiting, counts.Processing, counts.Completed, counts.Failed, counts.Cancelled);
}

public sealed record GroupTaskView(string? Ref, Guid TaskId, string Status, int Current, int Total, string WsUrl)
{
    public static GroupTaskView From(GroupTask task) =>
        new(task.Ref, task.TaskId, task.Status.ToWireName(), task.Current, task.Total, TaskApi.SocketUrl(task.TaskId));
}

/// <summary>A batch as <c>GET /api/batches/{id}</c> shows it: rolled-up progress weighted by documents, and each task.</summary>
public sealed record BatchView(
    Guid BatchId,
    string OwnerId,
    string Status,
    int Progress,
    int Current,
    int Total,
    string Message,
    long Seq,
    TaskStatusCountsView TaskCounts,
    CountsView Documents,
    string CreatedAt,
    string UpdatedAt,
    string? FinishedAt,
    string? CancelledBy,
    IReadOnlyList<GroupTaskView>? Tasks,
    string WsUrl,
    Guid? RetryOf,
    Guid? RetriedBy)
{
    public static BatchView From(BatchSnapshot batch, bool withTasks = true) => new(
        batch.BatchId,
        batch.OwnerId,
        batch.Status.ToWireName(),
        batch.Progress,
        batch.Rollup.Current,
        batch.Rollup.Total,
        batch.Message,
        batch.Seq,
        TaskStatusCountsView.From(batch.Rollup.Tasks),
        new CountsView(batch.Rollup.Documents.Indexed, batch.Rollup.Documents.Unchanged, batch.Rollup.Documents.Failed),
        batch.CreatedAt.ToWire(),
        batch.UpdatedAt.ToWire(),
        batch.FinishedAt.ToWire(),
        batch.CancelledBy,
        withTasks ? [.. batch.Tasks.Select(GroupTaskView.From)] : null,
        BatchApi.SocketUrl(batch.BatchId),
        batch.RetryOf,
        batch.RetriedBy);
}

public sealed record BatchListView(IReadOnlyList<BatchView> Items, string? NextCursor);

/// <summary>A task and everything it depends on, with their progress rolled up the way a batch's is.</summary>
public sealed record ChainView(
    Guid TaskId,
    string Status,
    int Progress,
    int Current,
    int Total,
    TaskStatusCountsView TaskCounts,
    CountsView Documents,
    IReadOnlyList<GroupTaskView> Tasks)
{
    public static ChainView From(ChainSnapshot chain) => new(
        chain.TaskId,
        chain.Rollup.Status.ToWireName(),
        chain.Rollup.Progress,
        chain.Rollup.Current,
        chain.Rollup.Total,
        TaskStatusCountsView.From(chain.Rollup.Tasks),
        new CountsView(chain.Rollup.Documents.Indexed, chain.Rollup.Documents.Unchanged, chain.Rollup.Documents.Failed),
        [.. chain.Tasks.Select(GroupTaskView.From)]);
}
