using System.Xml;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary><c>POST /api/schedules</c>: a task run at a time, every interval or on a cron expression.</summary>
internal sealed class ScheduleCreation : CreateEndpoint<CreateScheduleRequest, CreateSchedule, Created<ScheduleView>>
{
    public static readonly ScheduleCreation Instance = new();

    protected override string KeyScope => "schedule:";

    protected override Results<Created<ScheduleView>, ProblemHttpResult, ValidationProblem>? Check(CreateScheduleRequest body, TasksOptions limits)
    {
        if (body.Task is not { } task)
        {
            return Problems.Invalid("task", "A schedule needs the 'task' it runs: a collection and its documents or source.");
        }

        if (TaskInputs.CheckSizes(task.Documents, limits, "task.") is { } tooLarge)
        {
            return tooLarge;
        }

        if (TaskInputs.CheckShape(task.Documents, "task.") is { } malformed)
        {
            return malformed;
        }

        if (TaskPolicyInputs.Check(task.Retry, task.Timeout, "task.") is { } badPolicy)
        {
            return badPolicy;
        }

        if (TaskInputs.CheckSource(task.Source, "task.", uploadsAllowed: false) is { } badSource)
        {
            return badSource;
        }

        if (TaskInputs.CheckPriority(task.Priority, "task.") is { } badPriority)
        {
            return badPriority;
        }

        if (body.Every is not null && Every(body) is null)
        {
            return Problems.Invalid("every", "'every' is an ISO 8601 duration such as 'PT15M' or 'P1D'.");
        }

        if (SchedulePolicyNames.Missed(body.Missed) is null)
        {
            return Problems.Invalid("missed", "'missed' must be 'run_once' or 'skip'.");
        }

        if (SchedulePolicyNames.Overlap(body.Overlap) is null)
        {
            return Problems.Invalid("overlap", "'overlap' must be 'skip' or 'queue'.");
        }

        return null;
    }

    protected override bool AsksDeleteMissing(CreateScheduleRequest body) => TaskInputs.DeleteMissing(body.Task?.Source);

    protected override CreateSchedule ToRequest(CreateScheduleRequest body, string ownerId)
    {
        var task = body.Task!;
        return new CreateSchedule(
            ownerId,
            body.Name ?? "",
            new TaskTemplate(
                task.Collection ?? "",
                TaskInputs.Documents(task.Documents),
                TaskInputs.Source(task.Source),
                TaskPolicyInputs.Retry(task.Retry),
                TaskPolicyInputs.Timeout(task.Timeout))
            {
                Priority = TaskInputs.Priority(task.Priority),
                DeleteMissing = TaskInputs.DeleteMissing(task.Source),
            },
            new ScheduleTrigger(body.At, Every(body), body.StartAt, body.Cron, body.TimeZone),
            SchedulePolicyNames.Missed(body.Missed)!.Value,
            SchedulePolicyNames.Overlap(body.Overlap)!.Value,
            body.Paused);
    }

    protected override string Fingerprint(CreateSchedule request) => RequestFingerprint.Of(request);

    protected override async Task<Created<ScheduleView>> CreateAsync(IGrainFactory grains, Guid id, CreateSchedule request)
    {
        var schedule = await grains.GetGrain<IScheduleGrain>(id).Create(request);
        return TypedResults.Created($"/api/schedules/{schedule.ScheduleId}", ScheduleView.From(schedule));
    }

    /// <summary>The interval of <c>every</c>; null when absent or not an ISO 8601 duration.</summary>
    private static TimeSpan? Every(CreateScheduleRequest body)
    {
        if (body.Every is not { } every)
        {
            return null;
        }

        try
        {
            return XmlConvert.ToTimeSpan(every);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
