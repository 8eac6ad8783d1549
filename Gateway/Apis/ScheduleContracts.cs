using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;
using OrleansTasks.Gateway.Json;

namespace OrleansTasks.Gateway.Apis;

/// <summary>The task a schedule runs: a task body without dependencies.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TaskTemplateInput(
    string? Collection,
    List<DocumentInput?>? Documents,
    SourceInput? Source,
    RetryInput? Retry = null,
    JsonElement? Timeout = null,
    string? Priority = null);

/// <summary>
/// A new schedule: the task, and one of <c>at</c> (a time), <c>every</c> (an ISO 8601 duration such
/// as <c>PT15M</c>, from <c>start_at</c> or one interval from now) and <c>cron</c> (five fields, in
/// <c>time_zone</c>, UTC by default).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateScheduleRequest(
    string? Name,
    TaskTemplateInput? Task,
    DateTimeOffset? At = null,
    string? Every = null,
    DateTimeOffset? StartAt = null,
    string? Cron = null,
    string? TimeZone = null,
    string? Missed = null,
    string? Overlap = null,
    bool Paused = false) : ICreateBody
{
    public static string Kind => "schedule";
}

public sealed record ScheduleRunView(Guid TaskId, string Occurrence, string StartedAt, bool Manual, string WsUrl)
{
    public static ScheduleRunView From(ScheduleRun run) => new(
        run.TaskId, run.Occurrence.ToWire(), run.StartedAt.ToWire(), run.Manual, TaskApi.SocketUrl(run.TaskId));
}

/// <summary>A schedule as <c>GET /api/schedules/{id}</c> shows it.</summary>
public sealed record ScheduleView(
    Guid ScheduleId,
    string Name,
    string OwnerId,
    string Collection,
    string Kind,
    string? At,
    string? Every,
    string? StartAt,
    string? Cron,
    string? TimeZone,
    string Missed,
    string Overlap,
    bool Paused,
    string? NextRunAt,
    ScheduleRunView? LastRun,
    IReadOnlyList<ScheduleRunView> RecentRuns,
    int Runs,
    int Skipped,
    int Queued,
    string? LastSkipReason,
    string CreatedAt,
    string UpdatedAt,
    string Priority,
    RetryPolicyView? Retry,
    string? Timeout,
    long Seq)
{
    public static ScheduleView From(ScheduleSnapshot schedule)
    {
        var trigger = schedule.Trigger;
        return new(
            schedule.ScheduleId,
            schedule.Name,
            schedule.OwnerId,
            schedule.Collection,
            trigger.At is not null ? "once" : trigger.Every is not null ? "interval" : "cron",
            trigger.At.ToWire(),
            trigger.Every is { } every ? XmlConvert.ToString(every) : null,
            trigger.StartAt.ToWire(),
            trigger.Cron,
            trigger.Cron is null ? null : trigger.TimeZone ?? "UTC",
            SchedulePolicyNames.Of(schedule.Missed),
            SchedulePolicyNames.Of(schedule.Overlap),
            schedule.Paused,
            schedule.NextRunAt.ToWire(),
            schedule.LastRun is { } last ? ScheduleRunView.From(last) : null,
            [.. schedule.RecentRuns.Select(ScheduleRunView.From)],
            schedule.Runs,
            schedule.Skipped,
            schedule.Queued,
            schedule.LastSkipReason,
            schedule.CreatedAt.ToWire(),
            schedule.UpdatedAt.ToWire(),
            schedule.Priority.ToWireName(),
            RetryPolicyView.From(schedule.Retry),
            TaskPolicyInputs.ToWire(schedule.Timeout),
            schedule.Seq);
    }
}

public sealed record ScheduleListView(IReadOnlyList<ScheduleView> Items, string? NextCursor);

/// <summary>The wire names of the schedule policies.</summary>
public static class SchedulePolicyNames
{
    public static string Of(MissedRunPolicy policy) => policy == MissedRunPolicy.Skip ? "skip" : "run_once";

    public static string Of(OverlapPolicy policy) => policy == OverlapPolicy.Queue ? "queue" : "skip";

    public static MissedRunPolicy? Missed(string? name) => name switch
    {
        null or "run_once" => MissedRunPolicy.RunOnce,
        "skip" => MissedRunPolicy.Skip,
        _ => null,
    };

    public static OverlapPolicy? Overlap(string? name) => name switch
    {
        null or "skip" => OverlapPolicy.Skip,
        "queue" => OverlapPolicy.Queue,
        _ => null,
    };
}
