using Microsoft.AspNetCore.Http.Features;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// Refuses a body on a request that takes none (a retry runs with the item's own settings): settings sent
/// there would otherwise be dropped without a word. An empty body, or an empty JSON object, is no body.
/// </summary>
internal sealed class NoBodyFilter(string detail) : IEndpointFilter
{
    // Enough for "{}" with white space around it; anything longer carries something.
    private const int Longest = 64;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.HttpContext.Request;
        if (request.ContentLength is 0 || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return await next(context);
        }

        using var reader = new StreamReader(request.Body);
        var buffer = new char[Longest + 1];
        var read = await reader.ReadBlockAsync(buffer, context.HttpContext.RequestAborted);
        var text = new string(buffer, 0, read).Trim();
        if (read <= Longest && (text.Length == 0 || (text.StartsWith('{') && text.EndsWith('}') && string.IsNullOrWhiteSpace(text[1..^1]))))
        {
            return await next(context);
        }

        return Problems.Invalid("body", detail);
    }
}
