using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace OrleansTasks.Gateway.OpenApi;

/// <summary>
/// The OpenAPI document of the REST surface (<c>/openapi/v1.json</c>), with the bearer scheme and
/// request examples, and a browsable reference at <c>/scalar/v1</c>.
/// </summary>
public static class OpenApiSetup
{
    private const string BearerScheme = "Bearer";

    public static IServiceCollection AddOrleansTasksOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer(DescribeDocument);
            options.AddSchemaTransformer(AddExamples);
        });

    public static WebApplication MapOrleansTasksOpenApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(options => options.WithTitle("OrleansTasks API")).AllowAnonymous();
        return app;
    }

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "OrleansTasks",
            Version = "v1",
            Description = "Long-running document-indexing tasks with live progress. Watch a task over WebSocket at "
                + "`ws://HOST/ws/task/{task_id}?token=JWT` (messages connected, progress, complete, error, cancelled, pong), and a batch "
                + "at `ws://HOST/ws/batch/{batch_id}?token=JWT` in the same style. "
                + "Errors are RFC 7807 problem details; JSON is snake_case; timestamps are UTC with six fractional digits.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A token from POST /api/auth/token or your identity provider.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });
        return Task.CompletedTask;
    }

    /// <summary>Request types carry an example that works against a fresh gateway.</summary>
    private static Task AddExamples(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        var example = type == typeof(Apis.CreateTaskRequest)
            ? """{"collection":"docs","documents":[{"id":"a.md","title":"A","content":"Orleans grains index documents."}]}"""
            : type == typeof(Apis.CreateBatchRequest)
                ? """{"tasks":[{"ref":"guides","collection":"docs","documents":[{"id":"a.md","title":"A","content":"Grains."}]},{"ref":"summaries","collection":"summaries","documents":[{"id":"s.md","title":"S","content":"Silos."}],"after":["guides"]}]}"""
            : type == typeof(Apis.CreateScheduleRequest)
                ? """{"name":"nightly docs","task":{"collection":"docs","documents":[{"id":"a.md","title":"A","content":"Grains."}]},"cron":"30 2 * * *","time_zone":"Europe/Berlin","missed":"run_once","overlap":"skip"}"""
            : type == typeof(Apis.AuthApi.TokenRequest)
                ? """{"username":"demo","password":"demo-password"}"""
                : null;
        if (example is not null)
        {
            schema.Examples = [JsonNode.Parse(example)!];
        }

        return Task.CompletedTask;
    }
}
