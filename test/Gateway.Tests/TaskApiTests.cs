using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class TaskApiTests(SharedGateway gateway)
{
    [Fact]
    public async Task Creating_a_task_answers_202_with_its_id_status_and_a_relative_socket_url()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);

        using var response = await client.PostAsJsonAsync("/api/tasks", TaskRequests.Body(10));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = body.GetProperty("task_id").GetGuid();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal($"/ws/task/{taskId}", body.GetProperty("ws_url").GetString());
        Assert.Equal($"/api/tasks/{taskId}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_task_reads_back_with_the_pinned_fields_and_timestamp_format()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(12));

        var task = await TaskRequests.WaitForEndAsync(client, taskId);

        Assert.Equal(taskId, task.GetProperty("task_id").GetGuid());
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(100, task.GetProperty("progress").GetInt32());
        Assert.Equal(12, task.GetProperty("current").GetInt32());
        Assert.Equal(12, task.GetProperty("total").GetInt32());
        Assert.StartsWith("Indexed 12 documents", task.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(task.GetProperty("seq").GetInt64() >= 3);
        MessageAssert.IsTimestamp(task.GetProperty("created_at"));
        MessageAssert.IsTimestamp(task.GetProperty("updated_at"));
        MessageAssert.IsTimestamp(task.GetProperty("finished_at"));
        Assert.Equal(12, task.GetProperty("counts").GetProperty("indexed").GetInt32());
        Assert.Equal("alice", task.GetProperty("owner_id").GetString());
    }

    public static TheoryData<string, string, string> InvalidBodies => new()
    {
        { "not json", "{\"collection\": ", "body" },
        { "unknown field", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"colour":1}""", "body" },
        { "unknown priority", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"priority":"urgent"}""", "priority" },
        { "priority not a string", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"priority":1}""", "body" },
        { "wrong type", """{"collection":"docs","documents":[{"id":"a","content":5}]}""", "body" },
        { "no collection", """{"documents":[{"id":"a","content":"x"}]}""", "collection" },
        { "bad collection", """{"collection":"../etc","documents":[{"id":"a","content":"x"}]}""", "collection" },
        { "no documents", """{"collection":"docs"}""", "documents" },
        { "empty documents", """{"collection":"docs","documents":[]}""", "documents" },
        { "both sources", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"source":{"directory":"/tmp","pattern":"*.md"}}""", "documents" },
        { "null document", """{"collection":"docs","documents":[null]}""", "documents[0]" },
        { "missing id", """{"collection":"docs","documents":[{"content":"x"}]}""", "documents[0].id" },
        { "missing content", """{"collection":"docs","documents":[{"id":"a"}]}""", "documents[0].content" },
        { "duplicate id", """{"collection":"docs","documents":[{"id":"a","content":"x"},{"id":"a","content":"y"}]}""", "documents[1].id" },
        { "timeout as seconds", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"timeout":60}""", "timeout" },
        { "timeout not ISO 8601", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"timeout":"30 minutes"}""", "timeout" },
        { "timeout zero", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"timeout":"PT0S"}""", "timeout" },
        { "timeout over 30 days", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"timeout":"P31D"}""", "timeout" },
        { "retry interval as seconds", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"retry":{"initial_interval":1}}""", "retry.initial_interval" },
        { "retry max interval not ISO 8601", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"retry":{"max_interval":"5m"}}""", "retry.max_interval" },
        { "retry no attempts", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"retry":{"max_attempts":0}}""", "retry.max_attempts" },
        { "retry too many attempts", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"retry":{"max_attempts":101}}""", "retry.max_attempts" },
        { "retry backoff below 1", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"retry":{"backoff":0.5}}""", "retry.backoff" },
        { "retry max below initial", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"retry":{"initial_interval":"PT10S","max_interval":"PT1S"}}""", "retry.max_interval" },
        { "retry initial above the default max", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"retry":{"initial_interval":"PT10M"}}""", "retry.initial_interval" },
        { "retry max below the default initial", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"retry":{"max_interval":"PT0.5S"}}""", "retry.max_interval" },
        { "retry unknown field", """{"collection":"docs","documents":[{"id":"a","content":"x"}],"retry":{"attempts":3}}""", "body" },
        { "directory sources off", """{"collection":"docs","source":{"directory":"/etc","pattern":"*"}}""", "source" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_input_gets_400_with_a_problem_naming_the_field_and_nothing_is_created(string why, string json, string field)
    {
        using var client = gateway.CreateHttpClient(TestTokens.For("user-" + Guid.NewGuid().ToString("N")[..8]));

        using var response = await client.PostAsync("/api/tasks", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var tasks = await client.GetFromJsonAsync<JsonElement>("/api/tasks");

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"{why}: {problem}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        Assert.True(tasks.GetProperty("items").GetArrayLength() == 0, $"{why}: {tasks}");
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_415()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);

        using var response = await client.PostAsync("/api/tasks", new StringContent("collection=docs", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task More_than_10000_documents_get_413()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(10_001, words: 1);

        using var response = await client.PostAsJsonAsync("/api/tasks", body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_document_over_1_MiB_gets_413()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(2);
        body["documents"]![1]!["content"] = new string('a', 1024 * 1024 + 1);

        using var response = await client.PostAsJsonAsync("/api/tasks", body);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("documents[1]", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_32_MiB_gets_413_without_being_read_whole()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var padding = new string('a', 1000 * 1000);
        var documents = new JsonArray([.. Enumerable.Range(0, 34).Select(i => (JsonNode)new JsonObject { ["id"] = $"d{i}", ["content"] = padding })]);

        using var response = await client.PostAsJsonAsync("/api/tasks", new JsonObject { ["collection"] = "docs", ["documents"] = documents });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Every_task_endpoint_needs_a_valid_token()
    {
        using var anonymous = gateway.CreateHttpClient();
        using var expired = gateway.CreateHttpClient(TestTokens.For("alice", expires: DateTime.UtcNow.AddMinutes(-5)));
        var id = Guid.NewGuid();

        foreach (var client in new[] { anonymous, expired })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/tasks", TaskRequests.Body(1))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/tasks/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/tasks/{id}/result")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync($"/api/tasks/{id}/cancel", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/search?collection=docs&q=x")).StatusCode);
        }
    }

    [Fact]
    public async Task Unknown_malformed_and_other_users_tasks_all_answer_404()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        var alicesTask = await TaskRequests.CreateAsync(alice, TaskRequests.Body(3));
        await TaskRequests.WaitForEndAsync(alice, alicesTask);

        foreach (var id in new[] { alicesTask.ToString(), Guid.NewGuid().ToString(), "not-a-uuid" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/tasks/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/tasks/{id}/result")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/api/tasks/{id}/cancel", null)).StatusCode);
        }
    }

    [Fact]
    public async Task An_admin_reads_any_users_task_and_its_results()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(3));
        await TaskRequests.WaitForEndAsync(alice, taskId);

        var task = await TaskRequests.GetAsync(admin, taskId);
        using var results = await admin.GetAsync($"/api/tasks/{taskId}/result");

        Assert.Equal("alice", task.GetProperty("owner_id").GetString());
        Assert.Equal(HttpStatusCode.OK, results.StatusCode);
    }

    [Fact]
    public async Task Cancelling_answers_202_then_409_once_the_task_has_ended()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(10_000, words: 200));

        using var first = await client.PostAsync($"/api/tasks/{taskId}/cancel", null);
        using var second = await client.PostAsync($"/api/tasks/{taskId}/cancel", null);
        var task = await TaskRequests.GetAsync(client, taskId);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal("cancelled", task.GetProperty("status").GetString());
        Assert.Equal("user:alice", task.GetProperty("cancelled_by").GetString());
        Assert.True(task.GetProperty("current").GetInt32() < 10_000);
    }

    [Fact]
    public async Task Results_are_paged_and_filtered_by_outcome()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(150);
        body["documents"]![5]!["content"] = "";
        var taskId = await TaskRequests.CreateAsync(client, body);
        await TaskRequests.WaitForEndAsync(client, taskId);

        var first = await client.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/result?limit=100");
        var second = await client.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/result?offset=100&limit=100");
        var failed = await client.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/result?status=failed");
        using var badLimit = await client.GetAsync($"/api/tasks/{taskId}/result?limit=0");
        using var badStatus = await client.GetAsync($"/api/tasks/{taskId}/result?status=weird");

        Assert.Equal(150, first.GetProperty("total").GetInt32());
        Assert.Equal(149, first.GetProperty("success").GetInt32());
        Assert.Equal(1, first.GetProperty("failed").GetInt32());
        Assert.Equal(100, first.GetProperty("items").GetArrayLength());
        Assert.Equal(100, first.GetProperty("next_offset").GetInt32());
        Assert.Equal(50, second.GetProperty("items").GetArrayLength());
        Assert.False(second.TryGetProperty("next_offset", out _));
        var failure = failed.GetProperty("items")[0];
        Assert.Equal("doc-00005.md", failure.GetProperty("id").GetString());
        Assert.Equal("failed", failure.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(failure.GetProperty("error").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }

    [Fact]
    public async Task Search_finds_indexed_documents_with_highlighted_snippets()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var collection = "c" + Guid.NewGuid().ToString("N")[..12];
        var body = new JsonObject
        {
            ["collection"] = collection,
            ["documents"] = new JsonArray(
                new JsonObject { ["id"] = "a.md", ["title"] = "Reminders", ["content"] = "Reminders are durable; timers are not." },
                new JsonObject { ["id"] = "b.md", ["title"] = "Streams", ["content"] = "Streams deliver events." }),
        };
        var taskId = await TaskRequests.CreateAsync(client, body);
        await TaskRequests.WaitForEndAsync(client, taskId);

        var found = await client.GetFromJsonAsync<JsonElement>($"/api/search?collection={collection}&q=durable&limit=5");
        using var missingQuery = await client.GetAsync($"/api/search?collection={collection}");
        using var badLimit = await client.GetAsync($"/api/search?collection={collection}&q=x&limit=1000");
        using var controlCharacter = await client.GetAsync($"/api/search?collection={collection}&q=a%00b");

        var hit = Assert.Single(found.GetProperty("hits").EnumerateArray());
        Assert.Equal("a.md", hit.GetProperty("id").GetString());
        Assert.Equal("Reminders", hit.GetProperty("title").GetString());
        Assert.Contains("<mark>durable</mark>", hit.GetProperty("snippet").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missingQuery.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, controlCharacter.StatusCode);
    }
}
