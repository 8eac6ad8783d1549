using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class OpenApiTests(SharedGateway gateway)
{
    [Fact]
    public async Task The_openapi_document_describes_the_rest_surface_with_bearer_auth_and_examples()
    {
        using var client = gateway.CreateHttpClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/auth/token", "/api/tasks", "/api/tasks/{taskId}", "/api/tasks/{taskId}/result", "/api/tasks/{taskId}/cancel", "/api/tasks/{taskId}/chain",
            "/api/batches", "/api/batches/{batchId}", "/api/batches/{batchId}/cancel", "/api/search",
            "/api/schedules", "/api/schedules/{scheduleId}", "/api/schedules/{scheduleId}/pause", "/api/schedules/{scheduleId}/resume",
            "/api/schedules/{scheduleId}/run", "/api/uploads", "/api/uploads/{uploadId}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the document");
        }

        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        var example = document.GetProperty("components").GetProperty("schemas").GetProperty("CreateTaskRequest").GetProperty("examples")[0];
        Assert.Equal("docs", example.GetProperty("collection").GetString());
        var batchExample = document.GetProperty("components").GetProperty("schemas").GetProperty("CreateBatchRequest").GetProperty("examples")[0];
        Assert.Equal("guides", batchExample.GetProperty("tasks")[1].GetProperty("after")[0].GetString());
        var scheduleExample = document.GetProperty("components").GetProperty("schemas").GetProperty("CreateScheduleRequest").GetProperty("examples")[0];
        Assert.Equal("Europe/Berlin", scheduleExample.GetProperty("time_zone").GetString());
        Assert.True(paths.GetProperty("/api/schedules/{scheduleId}").TryGetProperty("delete", out _));
        Assert.False(paths.TryGetProperty("/ws/task/{id}", out _));
        Assert.False(paths.TryGetProperty("/ws/batch/{id}", out _));
    }

    [Theory]
    [InlineData("/api/tasks")]
    [InlineData("/api/batches")]
    [InlineData("/api/schedules")]
    [InlineData("/api/schedules/{scheduleId}/run")]
    public async Task Every_endpoint_that_reads_an_idempotency_key_declares_the_header(string path)
    {
        using var client = gateway.CreateHttpClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var parameters = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("parameters");
        var header = Assert.Single(parameters.EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.Equal("header", header.GetProperty("in").GetString());
        Assert.False(header.TryGetProperty("required", out var required) && required.GetBoolean());
        Assert.Contains("422", header.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_reference_page_is_served()
    {
        using var client = gateway.CreateHttpClient();

        using var response = await client.GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }
}
