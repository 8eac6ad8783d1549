using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTasks.Gateway.Json;

namespace OrleansTasks.Gateway.Apis;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DocumentInput(string? Id, string? Title, string? Content);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SourceInput(string? Directory, string? Pattern, string? Upload = null, bool? DeleteMissing = null);

/// <summary>A task's retry policy: intervals are ISO 8601 durations (<c>"PT1S"</c>); what is left out takes the silo's defaults.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RetryInput(int? MaxAttempts = null, JsonElement? InitialInterval = null, double? Backoff = null, JsonElement? MaxInterval = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateTaskRequest(
    string? Collection, List<DocumentInput?>? Documents, SourceInput? Source, List<Guid>? DependsOn = null, DateTimeOffset? RunAt = null,
    string? Priority = null,
    RetryInput? Retry = null,
    JsonElement? Timeout = null)
    : ICreateBody
{
    public static string Kind => "task";
}

public sealed record TaskAccepted(Guid TaskId, string Status, string WsUrl);

/// <summary>A task's document counts; <see cref="Deleted"/> only for a <c>delete_missing</c> task (what its source no longer held, removed at its end).</summary>
public sealed record CountsView(int Indexed, int Unchanged, int Failed, long? Deleted = null);

public sealed record ErrorView(string Code, string Message, string? DocumentId, Guid? DependencyId);

/// <summary>A task as <c>GET /api/tasks/{id}</c> shows it.</summary>
public sealed record TaskView(
    Guid TaskId,
    string Status,
    int Progress,
    int Current,
    int Total,
    string Message,
    long Seq,
    string CreatedAt,
    string UpdatedAt,
    string? StartedAt,
    string? FinishedAt,
    string Collection,
    string OwnerId,
    CountsView Counts,
    ErrorView? Error,
    string? CancelledBy,
    int? QueuePosition,
    IReadOnlyList<Guid> DependsOn,
    IReadOnlyList<Guid> WaitingFor,
    Guid? BatchId,
    Guid? ScheduleId,
    string? RunAt,
    double? Rate,
    int? EtaSeconds,
    string Priority,
    string WsUrl,
    Guid? RetryOf,
    Guid? RetriedBy,
    int Attempt,
    string? NextAttemptAt,
    string? Timeout,
    RetryPolicyView? Retry,
    SourceView? Source)
{
    public static TaskView From(IndexTaskSnapshot task) => new(
        task.TaskId,
        task.Status.ToWireName(),
        task.Progress,
        task.Current,
        task.Total,
        task.Message,
        task.Seq,
        task.CreatedAt.ToWire(),
        task.UpdatedAt.ToWire(),
        task.StartedAt.ToWire(),
        task.FinishedAt.ToWire(),
        task.Collection,
        task.OwnerId,
        new CountsView(task.Counts.Indexed, task.Counts.Unchanged, task.Counts.Failed, task.DeleteMissing ? task.Deleted ?? 0 : null),
        task.Error is { } error ? new ErrorView(error.Code, error.Message, error.DocumentId, error.DependencyId) : null,
        task.CancelledBy,
        task.QueuePosition,
        task.DependsOn,
        task.AwaitedDependencies,
        task.BatchId,
        task.ScheduleId,
        task.RunAt.ToWire(),
        task.Rate,
        task.EtaSeconds,
        task.Priority.ToWireName(),
        TaskApi.SocketUrl(task.TaskId),
        task.RetryOf,
        task.RetriedBy,
        task.Attempt,
        task.NextAttemptAt.ToWire(),
        TaskPolicyInputs.ToWire(task.Timeout),
        RetryPolicyView.From(task.Retry),
        SourceView.From(task));
}

/// <summary>
/// Where a task reads its documents, as its request named it: a directory with its pattern, or an upload; null for inline documents.
/// <see cref="DeleteSkipped"/> says why a <c>delete_missing</c> task removes nothing.
/// </summary>
public sealed record SourceView(string? Directory, string? Pattern, Guid? Upload, bool? DeleteMissing, string? DeleteSkipped)
{
    public static SourceView? From(IndexTaskSnapshot task) =>
        task.Upload is { } upload ? new(null, null, upload, RemovesMissing(task), task.DeleteSkipped)
        : task.Source is { } source ? new(source.Directory, source.Pattern, null, RemovesMissing(task), task.DeleteSkipped)
        : null;

    /// <summary>True, or null (left out) for a task that does not remove missing documents.</summary>
    private static bool? RemovesMissing(IndexTaskSnapshot task) => task.DeleteMissing ? true : null;
}

/// <summary>A retry policy as the API shows it (the request's <c>retry</c> with the silo's defaults filled in); null for none.</summary>
public sealed record RetryPolicyView(int? MaxAttempts, string? InitialInterval, double? Backoff, string? MaxInterval)
{
    public static RetryPolicyView? From(TaskRetryPolicy? policy) => policy is null
        ? null
        : new(policy.MaxAttempts, TaskPolicyInputs.ToWire(policy.InitialInterval), policy.Backoff, TaskPolicyInputs.ToWire(policy.MaxInterval));
}

/// <summary>One document's outcome; <see cref="Attempts"/> is more than 1 when its slice was retried after transient failures.</summary>
public sealed record DocumentResultView(string Id, string Status, string? Error, int Attempts)
{
    public static DocumentResultView From(DocumentResult result) => new(result.Id, result.Outcome.ToWireName(), result.Error, result.Attempts);
}

/// <summary>A page of per-document outcomes with the task's totals.</summary>
public sealed record TaskResultView(
    Guid TaskId,
    string Status,
    int Total,
    int Success,
    int Failed,
    int Skipped,
    IReadOnlyList<DocumentResultView> Items,
    int? NextOffset);

public sealed record CancelAccepted(Guid TaskId, string Status);

public sealed record SearchHitView(string Id, string? Title, double Score, string Snippet);

public sealed record SearchResponse(string Collection, string Query, IReadOnlyList<SearchHitView> Hits);

/// <summary>One task in a history listing; <see cref="Seq"/> is 0 in rows written by a release that did not record it.</summary>
public sealed record TaskSummaryView(
    Guid TaskId,
    string Status,
    int Progress,
    int Current,
    int Total,
    string Message,
    string Collection,
    string OwnerId,
    string CreatedAt,
    string UpdatedAt,
    string? FinishedAt,
    Guid? BatchId,
    Guid? ScheduleId,
    double? Rate,
    int? EtaSeconds,
    long Seq,
    string Priority,
    Guid? RetryOf,
    Guid? RetriedBy)
{
    public static TaskSummaryView From(TaskSummary task) => new(
        task.TaskId, task.Status.ToWireName(), task.Progress, task.Current, task.Total, task.Message,
        task.Collection, task.OwnerId, task.CreatedAt.ToWire(), task.UpdatedAt.ToWire(), task.FinishedAt.ToWire(),
        task.BatchId, task.ScheduleId, task.Rate, task.EtaSeconds, task.Seq, task.Priority.ToWireName(), task.RetryOf, task.RetriedBy);
}

/// <summary>How many tasks are in each status, as <c>GET /api/tasks/counts</c> shows them.</summary>
public sealed record TaskCountsView(int Pending, int Waiting, int Processing, int Completed, int Failed, int Cancelled, int Total)
{
    public static TaskCountsView From(TaskStatusCounts counts) => new(
        counts.Pending, counts.Waiting, counts.Processing, counts.Completed, counts.Failed, counts.Cancelled, counts.Total);
}

public sealed record HistoryView(IReadOnlyList<TaskSummaryView> Items, string? NextCursor);
