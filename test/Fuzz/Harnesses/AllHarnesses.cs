using Microsoft.Extensions.Options;
using OrleansTasks.Batches;
using OrleansTasks.Gateway.Apis;
using OrleansTasks.Schedules;
using OrleansTasks.Tasks;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>Every harness, by name.</summary>
internal static class AllHarnesses
{
    public static readonly IReadOnlyList<IHarness> List =
    [
        new ClientFramesHarness(),
        new CreateBodyHarness<CreateTaskRequest, StartIndexTask, Microsoft.AspNetCore.Http.HttpResults.Accepted<TaskAccepted>>(
            "task-body", "POST /api/tasks bodies through the gateway's reading and the task's validation, directory sources resolved on a real tree",
            TaskCreation.Instance, ValidateTask),
        new CreateBodyHarness<CreateBatchRequest, CreateBatch, Microsoft.AspNetCore.Http.HttpResults.Accepted<BatchAccepted>>(
            "batch-body", "POST /api/batches bodies through the gateway's reading and the batch plan (references, cycles, limits)",
            BatchCreation.Instance, (request, limits) => BatchPlan.Order(request, limits, out _)),
        new CreateBodyHarness<CreateScheduleRequest, CreateSchedule, Microsoft.AspNetCore.Http.HttpResults.Created<ScheduleView>>(
            "schedule-body", "POST /api/schedules bodies: the template, policies and the trigger (cron, ISO 8601 intervals, time zones)",
            ScheduleCreation.Instance, ValidateSchedule),
        new HistoryCursorHarness(),
        new UploadBodyHarness(),
        new SourceLinesHarness(),
        new SocketCredentialsHarness(),
        new SourcePathHarness(),
        new IdempotencyKeyHarness(),
    ];

    public static IHarness? Find(string name) => List.FirstOrDefault(harness => harness.Name == name);

    private static void ValidateTask(StartIndexTask request, TasksOptions limits)
    {
        TaskRequestValidator.Validate(request, limits, DateTimeOffset.UtcNow);
        if (request.Source is { } source)
        {
            new DirectorySourceReader(Options.Create(limits)).ReadAsync(source, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    private static void ValidateSchedule(CreateSchedule request, TasksOptions limits)
    {
        var options = new SchedulesOptions();
        ScheduleRequestValidator.Validate(request, limits, options);
        TriggerPlan.Validate(request.Trigger, DateTimeOffset.UtcNow, options.MissedGrace);
    }
}
