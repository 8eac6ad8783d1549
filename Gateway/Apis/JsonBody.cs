using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// A create request's body, bound by minimal APIs through <see cref="BindAsync"/>: JSON read with the gateway's
/// options under <see cref="TasksOptions.MaxRequestBytes"/>. Exactly one of the three is set. The framework's own
/// body binding would answer a bad body with a bare 400 or 415 that does not say where the body is wrong.
/// </summary>
public sealed class JsonBody<T> : IBindableFromHttpContext<JsonBody<T>>
    where T : class, ICreateBody
{
    private JsonBody(T? value, ProblemHttpResult? problem, ValidationProblem? invalid) =>
        (Value, Problem, Invalid) = (value, problem, invalid);

    public T? Value { get; }

    /// <summary>413 for a body over the cap, 415 for one that is not JSON.</summary>
    public ProblemHttpResult? Problem { get; }

    /// <summary>400 naming <c>body</c> for JSON that is not a <typeparamref name="T"/>.</summary>
    public ValidationProblem? Invalid { get; }

    [SuppressMessage("Design", "CA1000", Justification = "Minimal APIs bind through this static member of IBindableFromHttpContext.")]
    public static async ValueTask<JsonBody<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        var maxBytes = context.RequestServices.GetRequiredService<IOptions<TasksOptions>>().Value.MaxRequestBytes;
        if (context.Request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = maxBytes;
        }

        if (!context.Request.HasJsonContentType())
        {
            return new(null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON expected",
                detail: $"Send the {T.Kind} as 'application/json'."), null);
        }

        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            return await context.Request.ReadFromJsonAsync<T>(json, context.RequestAborted) is { } body
                ? new(body, null, null)
                : new(null, null, Problems.Invalid("body", "The body must be a JSON object."));
        }
        catch (JsonException exception)
        {
            return new(null, null, Problems.Invalid("body", $"The body is not a valid {T.Kind} at '{exception.Path ?? "$"}': check the field names and types."));
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(maxBytes);
        }
    }

    private static JsonBody<T> TooLarge(long maxBytes) => new(null, Problems.TooLarge($"A request body is at most {maxBytes} bytes."), null);
}
