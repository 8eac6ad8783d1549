using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary><c>POST /api/tasks</c>: one index task over inline documents, a directory source or an upload.</summary>
internal sealed class TaskCreation : CreateEndpoint<CreateTaskRequest, StartIndexTask, Accepted<TaskAccepted>>
{
    public static readonly TaskCreation Instance = new();

    protected override string KeyScope => "";

    protected override Results<Accepted<TaskAccepted>, ProblemHttpResult, ValidationProblem>? Check(CreateTaskRequest body, TasksOptions limits)
    {
        if (TaskInputs.CheckSizes(body.Documents, limits, "") is { } tooLarge)
        {
            return tooLarge;
        }

        if (TaskInputs.CheckShape(body.Documents, "") is { } malformed)
        {
            return malformed;
        }

        if (TaskInputs.CheckSource(body.Source, "", uploadsAllowed: true) is { } badSource)
        {
            return badSource;
        }

        if (TaskInputs.CheckPriority(body.Priority, "") is { } badPriority)
        {
            return badPriority;
        }

        if (TaskPolicyInputs.Check(body.Retry, body.Timeout, "") is { } badPolicy)
        {
            return badPolicy;
        }

        return null;
    }

    protected override bool AsksDeleteMissing(CreateTaskRequest body) => TaskInputs.DeleteMissing(body.Source);

    protected override StartIndexTask ToRequest(CreateTaskRequest body, string ownerId) => new(
        ownerId,
        body.Collection ?? "",
        TaskInputs.Documents(body.Documents),
        TaskInputs.Source(body.Source),
        body.DependsOn is null ? [] : [.. body.DependsOn],
        RunAt: body.RunAt,
        Retry: TaskPolicyInputs.Retry(body.Retry),
        Timeout: TaskPolicyInputs.Timeout(body.Timeout))
    {
        Priority = TaskInputs.Priority(body.Priority),
        Upload = TaskInputs.Upload(body.Source),
        DeleteMissing = TaskInputs.DeleteMissing(body.Source),
    };

    protected override string Fingerprint(StartIndexTask request) => RequestFingerprint.Of(request);

    protected override async Task<Accepted<TaskAccepted>> CreateAsync(IGrainFactory grains, Guid id, StartIndexTask request)
    {
        // Starting is idempotent: a task that already exists answers with its current state.
        var accepted = await grains.GetGrain<IIndexTaskGrain>(id).Start(request);
        return TypedResults.Accepted($"/api/tasks/{id}", new TaskAccepted(id, accepted.Status.ToWireName(), TaskApi.SocketUrl(id)));
    }
}
