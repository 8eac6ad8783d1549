using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class BatchApiTests(SharedGateway gateway)
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, JsonNode? body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_batch_is_created_with_202_and_reads_back_rolled_up_until_it_completes()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        var (status, body) = await PostAsync(alice, "/api/batches", BatchRequests.Body(
            BatchRequests.Task("first", 40), BatchRequests.Task("second", 60, after: "first")));
        var batchId = body.GetProperty("batch_id").GetGuid();
        var tasks = body.GetProperty("tasks").EnumerateArray().ToList();
        var end = await BatchRequests.WaitForEndAsync(alice, batchId);
        var second = await TaskRequests.GetAsync(alice, tasks[1].GetProperty("task_id").GetGuid());

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal($"/ws/batch/{batchId}", body.GetProperty("ws_url").GetString());
        Assert.Equal(["first", "second"], tasks.Select(t => t.GetProperty("ref").GetString()));
        Assert.All(tasks, t => Assert.Equal($"/ws/task/{t.GetProperty("task_id").GetGuid()}", t.GetProperty("ws_url").GetString()));
        Assert.Equal("completed", end.GetProperty("status").GetString());
        Assert.Equal(100, end.GetProperty("progress").GetInt32());
        Assert.Equal(100, end.GetProperty("total").GetInt32());
        Assert.Equal(100, end.GetProperty("documents").GetProperty("indexed").GetInt32());
        Assert.Equal(2, end.GetProperty("task_counts").GetProperty("completed").GetInt32());
        MessageAssert.IsTimestamp(end.GetProperty("finished_at"));
        Assert.Equal(2, end.GetProperty("tasks").GetArrayLength());
        Assert.Equal(batchId, second.GetProperty("batch_id").GetGuid());
        Assert.Equal([tasks[0].GetProperty("task_id").GetGuid()], second.GetProperty("depends_on").EnumerateArray().Select(e => e.GetGuid()));
    }

    [Fact]
    public async Task A_task_created_with_depends_on_waits_and_its_chain_rolls_up()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var first = await TaskRequests.CreateAsync(alice, TaskRequests.Body(3000, words: 60));
        var body = TaskRequests.Body(10);
        body["depends_on"] = new JsonArray(first.ToString());

        var (status, accepted) = await PostAsync(alice, "/api/tasks", body);
        var dependant = accepted.GetProperty("task_id").GetGuid();
        var waiting = await TaskRequests.GetAsync(alice, dependant);
        using var chainWhileWaiting = await alice.GetAsync($"/api/tasks/{dependant}/chain");
        var chain = await chainWhileWaiting.Content.ReadFromJsonAsync<JsonElement>();
        var end = await TaskRequests.WaitForEndAsync(alice, dependant, TimeSpan.FromSeconds(90));

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("waiting", accepted.GetProperty("status").GetString());
        Assert.Equal([first], waiting.GetProperty("waiting_for").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal(HttpStatusCode.OK, chainWhileWaiting.StatusCode);
        Assert.Equal(2, chain.GetProperty("tasks").GetArrayLength());
        Assert.Equal(3010, chain.GetProperty("total").GetInt32());
        Assert.Equal(1, chain.GetProperty("task_counts").GetProperty("waiting").GetInt32());
        Assert.Equal("completed", end.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("cycle", "tasks")]
    [InlineData("unknown-ref", "tasks[1].after[0]")]
    [InlineData("foreign", "tasks[0].depends_on[0]")]
    [InlineData("no-ref", "tasks[0].ref")]
    [InlineData("duplicate-ref", "tasks[1].ref")]
    [InlineData("empty", "tasks")]
    [InlineData("null-task", "tasks[0]")]
    [InlineData("bad-collection", "tasks[1].collection")]
    [InlineData("bad-guid", "body")]
    [InlineData("unknown-field", "body")]
    [InlineData("timeout-seconds", "tasks[1].timeout")]
    [InlineData("retry-attempts", "tasks[0].retry.max_attempts")]
    [InlineData("unknown-priority", "tasks[1].priority")]
    public async Task An_invalid_batch_is_refused_with_400_naming_the_field_and_nothing_is_created(string kind, string field)
    {
        var user = NewUser();
        using var client = gateway.CreateHttpClient(TestTokens.For(user));
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        var bobsTask = await TaskRequests.CreateAsync(bob, TaskRequests.Body(2));
        var a = BatchRequests.Task("a", 2);
        var b = BatchRequests.Task("b", 2);
        JsonObject body = BatchRequests.Body(a, b);
        switch (kind)
        {
            case "cycle":
                a["after"] = new JsonArray("b");
                b["after"] = new JsonArray("a");
                break;
            case "unknown-ref":
                b["after"] = new JsonArray("nobody");
                break;
            case "foreign":
                a["depends_on"] = new JsonArray(bobsTask.ToString());
                break;
            case "no-ref":
                a.Remove("ref");
                break;
            case "duplicate-ref":
                b["ref"] = "a";
                break;
            case "empty":
                body = new JsonObject { ["tasks"] = new JsonArray() };
                break;
            case "null-task":
                body = new JsonObject { ["tasks"] = new JsonArray(null, BatchRequests.Task("b", 2)) };
                break;
            case "bad-collection":
                b["collection"] = "../etc";
                break;
            case "bad-guid":
                a["depends_on"] = new JsonArray("not-a-guid");
                break;
            case "timeout-seconds":
                b["timeout"] = 30;
                break;
            case "retry-attempts":
                a["retry"] = new JsonObject { ["max_attempts"] = 0 };
                break;
            case "unknown-priority":
                b["priority"] = "urgent";
                break;
            default:
                a["queue"] = "critical";
                break;
        }

        var (status, problem) = await PostAsync(client, "/api/batches", body);
        var list = await client.GetFromJsonAsync<JsonElement>("/api/batches");
        var history = await client.GetFromJsonAsync<JsonElement>("/api/tasks");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on '{field}': {problem}");
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
        Assert.Equal(0, history.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_batch_task_takes_its_own_retry_policy_time_limit_and_priority()
    {
        using var client = gateway.CreateHttpClient(TestTokens.For(NewUser()));
        var limited = BatchRequests.Task("limited", 2);
        limited["timeout"] = "PT45M";
        limited["retry"] = new JsonObject { ["max_attempts"] = 3, ["initial_interval"] = "PT2S" };
        limited["priority"] = "low";

        var (_, tasks) = await BatchRequests.CreateAsync(client, BatchRequests.Body(limited, BatchRequests.Task("plain", 2)));
        var limitedTask = await TaskRequests.GetAsync(client, tasks["limited"]);
        var plainTask = await TaskRequests.GetAsync(client, tasks["plain"]);

        Assert.Equal(("PT45M", "low"), (limitedTask.GetProperty("timeout").GetString(), limitedTask.GetProperty("priority").GetString()));
        Assert.Equal((3, "PT2S"), (limitedTask.GetProperty("retry").GetProperty("max_attempts").GetInt32(), limitedTask.GetProperty("retry").GetProperty("initial_interval").GetString()));
        Assert.False(plainTask.TryGetProperty("timeout", out _));
        Assert.Equal("normal", plainTask.GetProperty("priority").GetString());
    }

    [Fact]
    public async Task A_task_depending_on_another_users_task_is_refused_like_an_unknown_one()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        var bobsTask = await TaskRequests.CreateAsync(bob, TaskRequests.Body(2));
        var body = TaskRequests.Body(2);
        body["depends_on"] = new JsonArray(bobsTask.ToString());

        var (status, problem) = await PostAsync(alice, "/api/tasks", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("does not exist", problem.GetProperty("errors").GetProperty("depends_on")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batches_are_their_owners_alone_except_for_admins()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(BatchRequests.Task("only", 5000, words: 60)));

        using var bobReads = await bob.GetAsync($"/api/batches/{batchId}");
        using var bobCancels = await bob.PostAsync($"/api/batches/{batchId}/cancel", null);
        using var malformed = await alice.GetAsync("/api/batches/not-a-batch");
        using var adminReads = await admin.GetAsync($"/api/batches/{batchId}");
        var stillRunning = await BatchRequests.GetAsync(alice, batchId);
        using var anonymous = gateway.CreateHttpClient();
        using var anonymousReads = await anonymous.GetAsync($"/api/batches/{batchId}");
        await alice.PostAsync($"/api/batches/{batchId}/cancel", null);

        Assert.Equal(HttpStatusCode.NotFound, bobReads.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bobCancels.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminReads.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousReads.StatusCode);
        Assert.False(stillRunning.TryGetProperty("cancelled_by", out _), "bob's cancel reached the batch");
    }

    [Fact]
    public async Task Cancelling_a_batch_answers_202_then_409_and_its_tasks_end_cancelled_by_the_batch()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (batchId, tasks) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(
            BatchRequests.Task("big", 5000, words: 60), BatchRequests.Task("after", 10, after: "big")));

        var (first, accepted) = await PostAsync(alice, $"/api/batches/{batchId}/cancel", null);
        var (second, _) = await PostAsync(alice, $"/api/batches/{batchId}/cancel", null);
        var end = await BatchRequests.WaitForEndAsync(alice, batchId);
        var after = await TaskRequests.GetAsync(alice, tasks["after"]);

        Assert.Equal(HttpStatusCode.Accepted, first);
        Assert.Equal("user:alice", accepted.GetProperty("cancelled_by").GetString());
        Assert.Equal(HttpStatusCode.Conflict, second);
        Assert.Equal("cancelled", end.GetProperty("status").GetString());
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
        Assert.StartsWith("batch:", after.GetProperty("cancelled_by").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_users_batches_list_newest_first_in_cursor_pages()
    {
        using var client = gateway.CreateHttpClient(TestTokens.For(NewUser()));
        var created = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            created.Add((await BatchRequests.CreateAsync(client, BatchRequests.Body(BatchRequests.Task("t", 1)))).BatchId);
        }

        var first = await client.GetFromJsonAsync<JsonElement>("/api/batches?limit=2");
        var cursor = first.GetProperty("next_cursor").GetString();
        var second = await client.GetFromJsonAsync<JsonElement>($"/api/batches?limit=2&cursor={cursor}");
        using var badCursor = await client.GetAsync("/api/batches?cursor=zzz");
        using var badLimit = await client.GetAsync("/api/batches?limit=0");

        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(b => b.GetProperty("batch_id").GetGuid());
        Assert.Equal(created.AsEnumerable().Reverse(), listed);
        Assert.False(second.TryGetProperty("next_cursor", out _), "the last page points further");
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task The_same_idempotency_key_and_body_return_the_same_batch()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var body = BatchRequests.Body(BatchRequests.Task("t", 3));
        var key = Guid.NewGuid().ToString();

        async Task<(HttpStatusCode, JsonElement)> SendAsync(JsonObject content)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/batches") { Content = JsonContent.Create(content) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await alice.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        var (firstStatus, first) = await SendAsync(body);
        var (againStatus, again) = await SendAsync(JsonNode.Parse(body.ToJsonString())!.AsObject());
        var (differentStatus, _) = await SendAsync(BatchRequests.Body(BatchRequests.Task("t", 4)));

        Assert.Equal(HttpStatusCode.Accepted, firstStatus);
        Assert.Equal(HttpStatusCode.Accepted, againStatus);
        Assert.Equal(first.GetProperty("batch_id").GetGuid(), again.GetProperty("batch_id").GetGuid());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, differentStatus);
    }
}
