using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Apis;

/// <summary><c>/api/schedules</c>: tasks run at a time, every interval or on a cron expression.</summary>
public static class ScheduleApi
{
    public static IEndpointRouteBuilder MapScheduleApi(this IEndpointRouteBuilder app)
    {
        var schedules = app.MapGroup("/api/schedules").RequireAuthorization().WithTags("Schedules");
        schedules.MapPost("", ScheduleCreation.Instance.HandleAsync)
            .Accepts<CreateScheduleRequest>("application/json")
            .WithSummary("Create a schedule: its task, and one of 'at', 'every' (ISO 8601 duration, at least PT1M) or 'cron' with 'time_zone'.");
        schedules.MapGet("", ListAsync).WithSummary("The caller's schedules, newest first, cursor-paged.");
        schedules.MapGet("{scheduleId}", GetAsync).WithSummary("A schedule with its next and recent runs.");
        schedules.MapPost("{scheduleId}/pause", (string scheduleId, ClaimsPrincipal user, IGrainFactory grains) => SetPausedAsync(scheduleId, user, grains, true))
            .WithSummary("Pause a schedule: what falls due while paused is not run.");
        schedules.MapPost("{scheduleId}/resume", (string scheduleId, ClaimsPrincipal user, IGrainFactory grains) => SetPausedAsync(scheduleId, user, grains, false))
            .WithSummary("Resume a schedule from its next occurrence to come.");
        schedules.MapPost("{scheduleId}/run", RunNowAsync).WithSummary("Run the schedule's task now, as an ordinary task linked to the schedule.");
        schedules.MapDelete("{scheduleId}", DeleteAsync).WithSummary("Delete a schedule; the tasks it ran stay.");
        return app;
    }

    private static async Task<Results<Ok<ScheduleListView>, ValidationProblem>> ListAsync(
        ClaimsPrincipal user, IGrainFactory grains, string? cursor = null, int limit = 20)
    {
        try
        {
            var page = await grains.GetGrain<IUserListGrain>(IUserListGrain.Schedules(user.Subject())).List(cursor, limit);
            var schedules = await Task.WhenAll(page.Ids.Select(id => grains.GetGrain<IScheduleGrain>(id).GetSnapshot()));
            return TypedResults.Ok(new ScheduleListView([.. schedules.OfType<ScheduleSnapshot>().Select(ScheduleView.From)], page.NextCursor));
        }
        catch (InvalidRequestException exception)
        {
            return Problems.Invalid(exception);
        }
    }

    private static async Task<Results<Ok<ScheduleView>, ProblemHttpResult>> GetAsync(string scheduleId, ClaimsPrincipal user, IGrainFactory grains) =>
        await FindVisibleAsync(scheduleId, user, grains) is { } schedule ? TypedResults.Ok(ScheduleView.From(schedule)) : NotFound();

    private static async Task<Results<Ok<ScheduleView>, ProblemHttpResult>> SetPausedAsync(
        string scheduleId, ClaimsPrincipal user, IGrainFactory grains, bool paused)
    {
        if (await FindVisibleAsync(scheduleId, user, grains) is not { } schedule)
        {
            return NotFound();
        }

        var changed = await grains.GetGrain<IScheduleGrain>(schedule.ScheduleId).SetPaused(paused);
        return changed is null ? NotFound() : TypedResults.Ok(ScheduleView.From(changed));
    }

    private static async Task<Results<Accepted<ScheduleRunView>, ProblemHttpResult, ValidationProblem>> RunNowAsync(
        string scheduleId,
        [FromHeader(Name = IdempotentCreate.Header), Description(IdempotentCreate.Description)] string? idempotencyKey,
        ClaimsPrincipal user,
        IGrainFactory grains)
    {
        if (await FindVisibleAsync(scheduleId, user, grains) is not { } schedule)
        {
            return NotFound();
        }

        if (IdempotentCreate.RequestId(idempotencyKey, user.Subject(), "run:" + schedule.ScheduleId) is not { } requestId)
        {
            return Problems.Invalid(IdempotentCreate.Header, IdempotentCreate.InvalidKey);
        }

        return await grains.GetGrain<IScheduleGrain>(schedule.ScheduleId).RunNow(requestId) switch
        {
            { } run => TypedResults.Accepted($"/api/tasks/{run.TaskId}", ScheduleRunView.From(run)),
            null => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Run not started",
                detail: "The schedule's task could not start (its source may be gone); see the schedule's last_skip_reason."),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string scheduleId, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (await FindVisibleAsync(scheduleId, user, grains) is not { } schedule)
        {
            return NotFound();
        }

        return await grains.GetGrain<IScheduleGrain>(schedule.ScheduleId).Delete() ? TypedResults.NoContent() : NotFound();
    }

    private static Task<ScheduleSnapshot?> FindVisibleAsync(string scheduleId, ClaimsPrincipal user, IGrainFactory grains) =>
        VisibleItems.FindAsync(scheduleId, user, id => grains.GetGrain<IScheduleGrain>(id).GetSnapshot());

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Schedule not found",
            detail: "No schedule with this id exists for you.");
}
