using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OrleansTasks.Testing;

/// <summary>Builds and sends batch requests as a client would write them.</summary>
public static class BatchRequests
{
    /// <summary>One task of a batch body: a task body with its <c>ref</c> and the refs it waits for.</summary>
    public static JsonObject Task(string reference, int documents, int words = 30, params string[] after)
    {
        var task = TaskRequests.Body(documents, words: words);
        task["ref"] = reference;
        if (after.Length > 0)
        {
            task["after"] = new JsonArray([.. after.Select(name => (JsonNode)name)]);
        }

        return task;
    }

    public static JsonObject Body(params JsonObject[] tasks) => new() { ["tasks"] = new JsonArray(tasks) };

    /// <summary>Creates the batch; returns its id and each task's id by ref.</summary>
    public static async Task<(Guid BatchId, Dictionary<string, Guid> Tasks)> CreateAsync(HttpClient client, JsonObject body)
    {
        using var response = await client.PostAsJsonAsync("/api/batches", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"create answered {(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        var tasks = json.RootElement.GetProperty("tasks").EnumerateArray()
            .ToDictionary(t => t.GetProperty("ref").GetString()!, t => t.GetProperty("task_id").GetGuid());
        return (json.RootElement.GetProperty("batch_id").GetGuid(), tasks);
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, Guid batchId)
    {
        var text = await client.GetStringAsync($"/api/batches/{batchId}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }

    /// <summary>Polls the batch until it has ended, within a deadline.</summary>
    public static Task<JsonElement> WaitForEndAsync(HttpClient client, Guid batchId, TimeSpan? deadline = null) =>
        TaskRequests.WaitForEndAsync(client, $"/api/batches/{batchId}", deadline ?? TimeSpan.FromSeconds(90));
}
