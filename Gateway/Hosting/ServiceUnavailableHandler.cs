using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime.Messaging;
using Orleans.Storage;
using OrleansTasks.Storage.Faults;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>
/// Answers 503 with <c>Retry-After</c> and a problem body, instead of a bare 500, when the cluster
/// cannot be reached or the task store could not serve the call (a pool with no free connection in
/// time, a refused or lost database, a state version conflict that the grain's next activation
/// resolves). Both pass: the client tries again.
/// </summary>
public sealed partial class ServiceUnavailableHandler(IProblemDetailsService problems, ILogger<ServiceUnavailableHandler> logger) : IExceptionHandler
{
    public const string RetryAfterSeconds = "5";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        string title, detail;
        if (StorageFaults.IsUnavailable(exception))
        {
            // The silo that converted the failure logged it, with its cause, once.
            Log.StorageUnavailable(logger, httpContext.Request.Path, exception.Message);
            (title, detail) = ("Storage unavailable", "The task store could not serve the request; try again shortly.");
        }
        else if (exception is InconsistentStateException)
        {
            Log.StateConflict(logger, exception, httpContext.Request.Path);
            (title, detail) = ("Storage unavailable", "The task store could not serve the request; try again shortly.");
        }
        else if (exception is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or TimeoutException)
        {
            Log.ClusterUnavailable(logger, exception, httpContext.Request.Path);
            (title, detail) = ("Cluster unavailable", "The task cluster did not answer; try again shortly.");
        }
        else
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Detail = detail,
            },
        });
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The cluster did not answer a request to {Path}")]
        public static partial void ClusterUnavailable(ILogger logger, Exception exception, string path);

        [LoggerMessage(2, LogLevel.Debug, "The task store could not serve a request to {Path}: {Reason}")]
        public static partial void StorageUnavailable(ILogger logger, string path, string reason);

        [LoggerMessage(3, LogLevel.Warning, "A grain's state changed under a request to {Path}")]
        public static partial void StateConflict(ILogger logger, Exception exception, string path);
    }
}
