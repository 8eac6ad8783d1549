using Microsoft.AspNetCore.Diagnostics;
using OrleansTasks.Storage.Faults;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>
/// Answers a request the task store refused for good (<see cref="StorageFailedException"/>: a
/// missing table, a denied permission) as the gateway answers any internal failure: 500 with a
/// generic problem body and no <c>Retry-After</c>, for trying again would not help. The silo logged
/// the full exception where it was converted; the gateway adds one line naming the request.
/// </summary>
public sealed partial class StorageFailedHandler(IProblemDetailsService problems, ILogger<StorageFailedHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (!StorageFaults.IsFailed(exception))
        {
            return false;
        }

        Log.StorageFailed(logger, httpContext.Request.Method, httpContext.Request.Path, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = StatusCodes.Status500InternalServerError },
        });
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "{Method} {Path} failed: {Reason} The silo's log has the cause.")]
        public static partial void StorageFailed(ILogger logger, string method, string path, string reason);
    }
}
