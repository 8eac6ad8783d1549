using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OrleansTasks.Testing;

/// <summary>Builds and sends task requests as a client would write them: plain JSON.</summary>
public static class TaskRequests
{
    private static readonly string[] Words = ["orleans", "grain", "silo", "stream", "index", "search", "progress", "socket", "cluster"];

    public static JsonObject Body(int documents, string? collection = null, int words = 30) => new()
    {
        ["collection"] = collection ?? "c" + Guid.NewGuid().ToString("N")[..12],
        ["documents"] = new JsonArray([.. Enumerable.Range(0, documents).Select(i => (JsonNode)new JsonObject
        {
            ["id"] = string.Create(CultureInfo.InvariantCulture, $"doc-{i:D5}.md"),
            ["title"] = string.Create(CultureInfo.InvariantCulture, $"Document {i}"),
            ["content"] = Content(i, words),
        })]),
    };

    public static string Content(int seed, int words)
    {
        var random = new Random(seed);
        return string.Create(CultureInfo.InvariantCulture, $"number{seed} ") + string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
    }

    public static async Task<Guid> CreateAsync(HttpClient client, JsonObject body)
    {
        using var response = await client.PostAsJsonAsync("/api/tasks", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"create answered {(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("task_id").GetGuid();
    }

    /// <summary>
    /// Creates a task as a client under load would: with an Idempotency-Key, so that a retry never
    /// makes a second task, and again after each 503 once its Retry-After (at most 5 s here) has passed,
    /// within <paramref name="deadline"/>. Any other answer but 202 fails.
    /// </summary>
    public static async Task<Guid> CreateRetryingAsync(HttpClient client, JsonObject body, TimeSpan deadline)
    {
        var key = Guid.NewGuid().ToString("N");
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < until)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5));
                continue;
            }

            Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"create answered {(int)response.StatusCode} (retrying 503s for {deadline}): {text}");
            using var json = JsonDocument.Parse(text);
            return json.RootElement.GetProperty("task_id").GetGuid();
        }
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, Guid taskId)
    {
        var text = await client.GetStringAsync($"/api/tasks/{taskId}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }

    /// <summary>Polls the task until it has ended, within a deadline.</summary>
    public static Task<JsonElement> WaitForEndAsync(HttpClient client, Guid taskId, TimeSpan? deadline = null) =>
        WaitForEndAsync(client, $"/api/tasks/{taskId}", deadline ?? TimeSpan.FromSeconds(60));

    /// <summary>
    /// Polls a task or batch resource until its status is terminal, within a deadline. A 503 (the
    /// gateway's answer while the cluster recovers from a lost silo) counts as "not yet".
    /// </summary>
    public static Task<JsonElement> WaitForEndAsync(HttpClient client, string path, TimeSpan deadline) =>
        Deadline.RunAsync(
            async cancelled =>
            {
                while (true)
                {
                    using var response = await client.GetAsync(path, cancelled);
                    if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
                    {
                        response.EnsureSuccessStatusCode();
                        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancelled));
                        if (json.RootElement.GetProperty("status").GetString() is "completed" or "failed" or "cancelled")
                        {
                            return json.RootElement.Clone();
                        }
                    }

                    await Task.Delay(25, cancelled);
                }
            },
            deadline,
            $"{path} to reach completed, failed or cancelled");
}
