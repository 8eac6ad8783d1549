using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>What the task feed adds to REST: <c>seq</c>, <c>rate</c>, <c>eta_seconds</c>, <c>batch_id</c> and <c>schedule_id</c> on list rows and task details.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TaskRowFieldsApiTests(SharedGateway gateway)
{
    private static HttpClient NewUser(SharedGateway gateway) =>
        gateway.CreateHttpClient(TestTokens.For("rows-" + Guid.NewGuid().ToString("N")[..8]));

    private static async Task<Dictionary<Guid, JsonElement>> RowsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/tasks?limit=500")).GetProperty("items").EnumerateArray()
            .ToDictionary(row => row.GetProperty("task_id").GetGuid());

    [Fact]
    public async Task Ended_rows_carry_their_seq_rate_no_time_left_and_their_batch()
    {
        using var client = NewUser(gateway);
        var (batchId, tasks) = await BatchRequests.CreateAsync(client, BatchRequests.Body(BatchRequests.Task("a", 2000), BatchRequests.Task("b", 1000)));
        await BatchRequests.WaitForEndAsync(client, batchId);

        var rows = new Dictionary<Guid, JsonElement>();
        await Eventually.TrueAsync("both rows of the batch to be listed as completed", async () =>
        {
            rows = await RowsAsync(client);
            return tasks.Values.All(id => rows.TryGetValue(id, out var row) && row.GetProperty("status").GetString() == "completed");
        });

        foreach (var taskId in tasks.Values)
        {
            var row = rows[taskId];
            var details = await TaskRequests.GetAsync(client, taskId);
            Assert.Equal(batchId, row.GetProperty("batch_id").GetGuid());
            Assert.False(row.TryGetProperty("schedule_id", out _), "a task no schedule created has no schedule_id");
            Assert.Equal(details.GetProperty("seq").GetInt64(), row.GetProperty("seq").GetInt64());
            Assert.True(row.GetProperty("seq").GetInt64() > 0);
            Assert.True(row.GetProperty("rate").GetDouble() > 0, $"the run's average rate: {row}");
            Assert.Equal(details.GetProperty("rate").GetDouble(), row.GetProperty("rate").GetDouble());
            Assert.Equal(0, row.GetProperty("eta_seconds").GetInt32());
            Assert.Equal(0, details.GetProperty("eta_seconds").GetInt32());
        }
    }

    [Fact]
    public async Task A_waiting_row_has_a_seq_and_leaves_out_what_does_not_apply()
    {
        using var client = NewUser(gateway);
        var later = TaskRequests.Body(2);
        later["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        var taskId = await TaskRequests.CreateAsync(client, later);

        var row = (await RowsAsync(client))[taskId];
        var details = await TaskRequests.GetAsync(client, taskId);
        await client.PostAsync($"/api/tasks/{taskId}/cancel", null);

        Assert.Equal("waiting", row.GetProperty("status").GetString());
        Assert.True(row.GetProperty("seq").GetInt64() > 0);
        foreach (var absent in new[] { "rate", "eta_seconds", "batch_id", "schedule_id", "finished_at" })
        {
            Assert.False(row.TryGetProperty(absent, out _), $"a waiting row leaves out {absent}: {row}");
            Assert.False(details.TryGetProperty(absent, out _), $"a waiting task's details leave out {absent}: {details}");
        }
    }

    [Fact]
    public async Task A_processing_task_shows_its_rate_and_the_time_left()
    {
        // A gateway of its own with its index paced, so that the task surely runs when it is read: unpaced, its
        // documents (10,000 once) could all be indexed before the first read.
        await using var paced = new GatewayFactory(services: services => services.AddFaultInjection());
        using var client = paced.CreateHttpClient(TestTokens.Alice);
        paced.Services.GetRequiredService<FaultPlan>().PaceIndex("paced", TimeSpan.FromMilliseconds(5));
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(2_000, collection: "paced"));

        var details = default(JsonElement);
        await Eventually.TrueAsync("the task to be processing with a rate", async () =>
        {
            details = await TaskRequests.GetAsync(client, taskId);
            var status = details.GetProperty("status").GetString();
            Assert.False(status is "completed" or "failed" or "cancelled", $"the task ended ({status}) before it showed a rate");
            return status == "processing" && details.TryGetProperty("rate", out _);
        });
        await client.PostAsync($"/api/tasks/{taskId}/cancel", null);

        var rate = details.GetProperty("rate").GetDouble();
        var left = details.GetProperty("total").GetInt32() - details.GetProperty("current").GetInt32();
        Assert.True(rate > 0);
        Assert.Equal((int)Math.Ceiling(left / rate), details.GetProperty("eta_seconds").GetInt32());
    }
}
