using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary><c>POST /api/batches</c>: many tasks at once, which may wait for each other or for existing tasks.</summary>
internal sealed class BatchCreation : CreateEndpoint<CreateBatchRequest, CreateBatch, Accepted<BatchAccepted>>
{
    public static readonly BatchCreation Instance = new();

    protected override string KeyScope => "batch:";

    protected override Results<Accepted<BatchAccepted>, ProblemHttpResult, ValidationProblem>? Check(CreateBatchRequest body, TasksOptions limits)
    {
        var tasks = body.Tasks ?? [];
        for (var i = 0; i < tasks.Count; i++)
        {
            if (tasks[i] is not { } task)
            {
                return Problems.Invalid($"tasks[{i}]", "A task must be an object.");
            }

            if (TaskInputs.CheckSizes(task.Documents, limits, $"tasks[{i}].") is { } tooLarge)
            {
                return tooLarge;
            }

            if (TaskInputs.CheckShape(task.Documents, $"tasks[{i}].") is { } malformed)
            {
                return malformed;
            }

            if (TaskPolicyInputs.Check(task.Retry, task.Timeout, $"tasks[{i}].") is { } badPolicy)
            {
                return badPolicy;
            }

            if (TaskInputs.CheckSource(task.Source, $"tasks[{i}].", uploadsAllowed: true) is { } badSource)
            {
                return badSource;
            }

            if (TaskInputs.CheckPriority(task.Priority, $"tasks[{i}].") is { } badPriority)
            {
                return badPriority;
            }

            if (task.After?.IndexOf(null!) is >= 0 and var nullAt)
            {
                return Problems.Invalid($"tasks[{i}].after[{nullAt}]", "'after' lists refs of tasks in this batch.");
            }
        }

        return null;
    }

    protected override bool AsksDeleteMissing(CreateBatchRequest body) => body.Tasks?.Any(task => TaskInputs.DeleteMissing(task?.Source)) == true;

    protected override CreateBatch ToRequest(CreateBatchRequest body, string ownerId) =>
        new(ownerId, [.. (body.Tasks ?? []).Select(task => new BatchTaskSpec(
            task!.Ref ?? "",
            task.Collection ?? "",
            TaskInputs.Documents(task.Documents),
            TaskInputs.Source(task.Source),
            task.After is null ? [] : [.. task.After],
            task.DependsOn is null ? [] : [.. task.DependsOn],
            TaskPolicyInputs.Retry(task.Retry),
            TaskPolicyInputs.Timeout(task.Timeout))
        {
            Priority = TaskInputs.Priority(task.Priority),
            Upload = TaskInputs.Upload(task.Source),
            DeleteMissing = TaskInputs.DeleteMissing(task.Source),
        })]);

    protected override string Fingerprint(CreateBatch request) => RequestFingerprint.Of(request);

    protected override async Task<Accepted<BatchAccepted>> CreateAsync(IGrainFactory grains, Guid id, CreateBatch request)
    {
        var batch = await grains.GetGrain<IBatchGrain>(id).Create(request);
        return TypedResults.Accepted($"/api/batches/{batch.BatchId}", Accepted(batch));
    }

    /// <summary>The body of a 202 for a batch just created (or retried).</summary>
    public static BatchAccepted Accepted(BatchSnapshot batch) => new(
        batch.BatchId,
        batch.Status.ToWireName(),
        BatchApi.SocketUrl(batch.BatchId),
        [.. batch.Tasks.Select(task => new BatchTaskAccepted(task.Ref!, task.TaskId, TaskApi.SocketUrl(task.TaskId)))]);
}
