using Microsoft.AspNetCore.Diagnostics;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>
/// Answers a request the framework could not read (a body that is not the endpoint's JSON, a value
/// it cannot bind) with its 4xx status and a problem body, instead of a bare 500.
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = "Bad request",
                Detail = bad.InnerException is System.Text.Json.JsonException
                    ? "The body is not what this endpoint reads: check the field names (snake_case, matched exactly), their types, and that no unknown field is sent."
                    : bad.Message,
            },
        });
    }
}
