using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>Tasks that wait — for a start time or for their dependencies — over REST: they start by themselves and cancel at once.</summary>
[Collection(GatewayCollection.Name)]
public sealed class WaitingTaskTests(SharedGateway gateway)
{
    private static async Task<JsonElement> CreateAsync(HttpClient client, JsonObject body)
    {
        using var response = await client.PostAsJsonAsync("/api/tasks", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_task_with_run_at_waits_as_scheduled_then_starts_by_itself_at_that_time()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var runAt = DateTimeOffset.UtcNow.AddSeconds(2);
        var body = TaskRequests.Body(10);
        body["run_at"] = runAt.ToString("O", CultureInfo.InvariantCulture);

        var accepted = await CreateAsync(alice, body);
        var taskId = accepted.GetProperty("task_id").GetGuid();
        var waiting = await TaskRequests.GetAsync(alice, taskId);
        var end = await TaskRequests.WaitForEndAsync(alice, taskId);

        Assert.Equal("waiting", accepted.GetProperty("status").GetString());
        Assert.StartsWith("Scheduled for ", waiting.GetProperty("message").GetString(), StringComparison.Ordinal);
        MessageAssert.IsTimestamp(waiting.GetProperty("run_at"));
        Assert.Equal("completed", end.GetProperty("status").GetString());
        var started = DateTimeOffset.Parse(end.GetProperty("started_at").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(started >= runAt, $"started at {started:O}, before its run_at {runAt:O}");
    }

    [Theory]
    [InlineData("scheduled")]
    [InlineData("dependency")]
    public async Task A_waiting_task_cancels_at_once_with_202_then_409(string waitingFor)
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(10);
        if (waitingFor == "scheduled")
        {
            body["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        }
        else
        {
            var dependency = await TaskRequests.CreateAsync(alice, TaskRequests.Body(10_000, words: 120));
            body["depends_on"] = new JsonArray(dependency.ToString());
        }

        var taskId = (await CreateAsync(alice, body)).GetProperty("task_id").GetGuid();
        var before = await TaskRequests.GetAsync(alice, taskId);
        using var first = await alice.PostAsync($"/api/tasks/{taskId}/cancel", null);
        var after = await TaskRequests.GetAsync(alice, taskId);
        using var second = await alice.PostAsync($"/api/tasks/{taskId}/cancel", null);

        Assert.Equal("waiting", before.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
        Assert.Equal("user:alice", after.GetProperty("cancelled_by").GetString());
        Assert.False(after.TryGetProperty("started_at", out _));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
    }

    [Fact]
    public async Task A_run_at_beyond_ten_years_is_refused_with_400()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(1);
        body["run_at"] = DateTimeOffset.UtcNow.AddYears(11).ToString("O", CultureInfo.InvariantCulture);

        using var response = await alice.PostAsJsonAsync("/api/tasks", body);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("run_at", out _));
    }
}
