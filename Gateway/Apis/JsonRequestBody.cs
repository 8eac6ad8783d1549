using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTasks.Gateway.Apis;

/// <summary>A request body read as JSON, or the problem to answer instead: exactly one of the three is set.</summary>
internal sealed record JsonRequestBody<T>(T? Body, ProblemHttpResult? Problem, ValidationProblem? Invalid)
    where T : class;

/// <summary>Reads JSON request bodies strictly (snake_case, unknown fields refused) under a size cap.</summary>
internal static class JsonRequestBody
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static async Task<JsonRequestBody<T>> ReadAsync<T>(HttpContext context, long maxBytes, string what)
        where T : class
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return new(null, Problems.TooLarge($"A request body is at most {maxBytes} bytes."), null);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = maxBytes;
        }

        if (!context.Request.HasJsonContentType())
        {
            return new(null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON expected",
                detail: $"Send the {what} as 'application/json'."), null);
        }

        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, Options, context.RequestAborted);
            return body is null
                ? new(null, null, Problems.Invalid("body", "The body must be a JSON object."))
                : new(body, null, null);
        }
        catch (JsonException exception)
        {
            return new(null, null, Problems.Invalid("body", $"The body is not a valid {what} at '{exception.Path ?? "$"}': check the field names and types."));
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new(null, Problems.TooLarge($"A request body is at most {maxBytes} bytes."), null);
        }
    }
}
