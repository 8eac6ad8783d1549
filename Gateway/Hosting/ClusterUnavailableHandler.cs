using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime.Messaging;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>Answers 503 with a problem body when the cluster cannot be reached, instead of a bare 500.</summary>
public sealed partial class ClusterUnavailableHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not (SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or TimeoutException))
        {
            return false;
        }

        Log.ClusterUnavailable(logger, exception, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Cluster unavailable",
                Detail = "The task cluster did not answer; try again shortly.",
            },
        });
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The cluster did not answer a request to {Path}")]
        public static partial void ClusterUnavailable(ILogger logger, Exception exception, string path);
    }
}
