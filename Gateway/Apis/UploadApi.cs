using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Tasks;
using OrleansTasks.Uploads;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// Uploads: a JSON-lines body of any size up to <see cref="TasksOptions.MaxUploadBytes"/>, streamed into
/// the <see cref="IUploadStore"/>, then read by tasks (<c>"source": {"upload": id}</c>). Uploads have
/// owners as tasks do: another user's upload, or one not complete, is answered like an unknown one.
/// </summary>
public static class UploadApi
{
    /// <summary>The media types a JSON-lines body may be sent as.</summary>
    public static readonly IReadOnlyList<string> MediaTypes = ["application/x-ndjson", "application/jsonl"];

    public static IEndpointRouteBuilder MapUploadApi(this IEndpointRouteBuilder app)
    {
        var uploads = app.MapGroup("/api/uploads").RequireAuthorization().WithTags("Uploads");
        // No Accepts metadata: routing would answer another media type with a bare 415, not the problem details below.
        uploads.MapPost("", CreateAsync)
            .WithSummary("Stream a JSON-lines body (application/x-ndjson or application/jsonl, one document per line) into storage every silo reads; a task then reads it as its source.");
        uploads.MapGet("{uploadId}", GetAsync).WithSummary("An upload's size, documents, owner and creation time.");
        uploads.MapDelete("{uploadId}", DeleteAsync).WithSummary("Remove an upload no unfinished task reads.");
        return app;
    }

    private static async Task<Results<Created<UploadCreated>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, UploadReceiver receiver, IOptions<TasksOptions> options)
    {
        var maxBytes = options.Value.MaxUploadBytes;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !MediaTypes.Contains(mediaType.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"Send the upload as {string.Join(" or ", MediaTypes)}: one JSON document per line.");
        }

        if (request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }

        // The server's own body limit is for JSON requests: this body is counted against Tasks:MaxUploadBytes as it arrives.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }

        var receipt = await receiver.ReceiveAsync(user.Subject(), request.Body, maxBytes, request.HttpContext.RequestAborted);
        if (receipt.Upload is not { } upload)
        {
            return TooLarge(maxBytes);
        }

        return TypedResults.Created($"/api/uploads/{upload.Id}", new UploadCreated(upload.Id, upload.Bytes, upload.Lines));
    }

    private static async Task<Results<Ok<UploadView>, ProblemHttpResult>> GetAsync(string uploadId, ClaimsPrincipal user, IUploadStore store)
    {
        var upload = await FindVisibleAsync(uploadId, user, store);
        return upload is null ? NotFound() : TypedResults.Ok(UploadView.From(upload));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string uploadId, ClaimsPrincipal user, IUploadStore store, IGrainFactory grains)
    {
        var upload = await FindVisibleAsync(uploadId, user, store);
        if (upload is null)
        {
            return NotFound();
        }

        foreach (var taskId in await store.ReadersAsync(upload.Id, CancellationToken.None))
        {
            if (await grains.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot() is { } task && !task.Status.IsTerminal())
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Upload in use",
                    detail: $"The task {taskId} reads this upload and has not ended; cancel it or wait for it to end.");
            }
        }

        await store.DeleteAsync(upload.Id, CancellationToken.None);
        return TypedResults.NoContent();
    }

    private static Task<UploadInfo?> FindVisibleAsync(string uploadId, ClaimsPrincipal user, IUploadStore store) =>
        VisibleItems.FindAsync(uploadId, user, async id => await store.FindAsync(id, CancellationToken.None) is { Completed: true } upload ? upload : null);

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Upload not found", detail: "No upload with this id exists for you.");

    private static ProblemHttpResult TooLarge(long maxBytes) =>
        Problems.TooLarge($"An upload is at most {maxBytes} bytes (Tasks:MaxUploadBytes); nothing of this one was kept.");
}
