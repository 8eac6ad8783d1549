using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A gateway whose index refuses writes where a test's <see cref="FaultPlan"/> says, so that tasks fail for real,
/// and whose one source root, <see cref="SourceRoot"/>, is a scratch directory of its own.
/// </summary>
public sealed class FaultyGateway : GatewayFactory
{
    public FaultyGateway()
        : this(Directory.CreateTempSubdirectory("orleans-tasks-retry-").FullName)
    {
    }

    private FaultyGateway(string sourceRoot)
        : base(new Dictionary<string, string?> { ["Tasks:SourceRoots:0"] = sourceRoot }, services: services => services.AddFaultInjection()) =>
        SourceRoot = sourceRoot;

    public string SourceRoot { get; }

    public FaultPlan Faults => Services.GetRequiredService<FaultPlan>();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(SourceRoot, recursive: true);
    }
}

/// <summary>
/// <c>POST /api/tasks/{id}/retry</c> and <c>POST /api/batches/{id}/retry</c>: 202 like a create, links both
/// ways in the details, problem details for every refusal, the Idempotency-Key, and the dashboard's Retry
/// buttons in headless Chromium.
/// </summary>
public sealed partial class RetryApiTests(FaultyGateway gateway) : IClassFixture<FaultyGateway>
{
    private static string NewCollection() => "r" + Guid.NewGuid().ToString("N")[..12];

    private sealed record Answer(HttpStatusCode StatusCode, string? Location, string? MediaType, JsonElement Body)
    {
        public void Deconstruct(out Answer answer, out JsonElement body) => (answer, body) = (this, Body);
    }

    private static async Task<Answer> PostAsync(HttpClient client, string path, string? idempotencyKey = null, string? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(string.IsNullOrEmpty(text) ? "null" : text);
        return new(response.StatusCode, response.Headers.Location?.OriginalString, response.Content.Headers.ContentType?.MediaType, json.RootElement.Clone());
    }

    /// <summary>A task of alice's that fails: the index refuses its first write for good.</summary>
    private async Task<Guid> FailedTaskAsync(HttpClient alice, int documents = 150, Action<JsonObject>? settings = null)
    {
        var collection = NewCollection();
        gateway.Faults.RefuseIndex(collection);
        var body = TaskRequests.Body(documents, collection);
        settings?.Invoke(body);
        var taskId = await TaskRequests.CreateAsync(alice, body);
        Assert.Equal("failed", (await TaskRequests.WaitForEndAsync(alice, taskId)).GetProperty("status").GetString());
        return taskId;
    }

    private static JsonObject Waiting(int documents)
    {
        var body = TaskRequests.Body(documents);
        body["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return body;
    }

    [Fact]
    public async Task A_failed_task_is_retried_with_202_like_a_create_and_both_tasks_name_each_other()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var original = await FailedTaskAsync(alice);

        var (response, body) = await PostAsync(alice, $"/api/tasks/{original}/retry");
        var retryId = body.GetProperty("task_id").GetGuid();
        var end = await TaskRequests.WaitForEndAsync(alice, retryId);
        var originalNow = await TaskRequests.GetAsync(alice, original);
        var rows = new Dictionary<Guid, JsonElement>();
        await Eventually.TrueAsync("the list rows of both tasks to name each other", async () =>
        {
            rows = (await alice.GetFromJsonAsync<JsonElement>("/api/tasks?limit=500")).GetProperty("items").EnumerateArray()
                .ToDictionary(row => row.GetProperty("task_id").GetGuid());
            return rows.TryGetValue(original, out var row) && row.TryGetProperty("retried_by", out _) && rows.ContainsKey(retryId);
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/tasks/{retryId}", response.Location);
        Assert.Equal($"/ws/task/{retryId}", body.GetProperty("ws_url").GetString());
        Assert.Contains(body.GetProperty("status").GetString(), new[] { "pending", "processing", "completed" });
        Assert.Equal(original, end.GetProperty("retry_of").GetGuid());
        Assert.Equal(retryId, originalNow.GetProperty("retried_by").GetGuid());
        Assert.False(end.TryGetProperty("retried_by", out _), $"a task not retried has no retried_by: {end}");
        Assert.Equal(retryId, rows[original].GetProperty("retried_by").GetGuid());
        Assert.Equal(original, rows[retryId].GetProperty("retry_of").GetGuid());
        Assert.False(rows[original].TryGetProperty("retry_of", out _), $"a row of a task that retries none has no retry_of: {rows[original]}");
        Assert.False(rows[retryId].TryGetProperty("retried_by", out _), $"a row of a task not retried has no retried_by: {rows[retryId]}");
        Assert.Equal(("completed", 150), (end.GetProperty("status").GetString(), end.GetProperty("counts").GetProperty("indexed").GetInt32()));
        Assert.Equal(("alice", originalNow.GetProperty("collection").GetString()), (end.GetProperty("owner_id").GetString(), end.GetProperty("collection").GetString()));
    }

    [Fact]
    public async Task A_retry_with_settings_in_its_body_is_refused_and_retries_nothing_while_an_empty_object_is_no_body()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var original = await FailedTaskAsync(alice, documents: 5);
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(BatchRequests.Task("only", 5)));
        await BatchRequests.WaitForEndAsync(alice, batchId);

        var (refused, problem) = await PostAsync(alice, $"/api/tasks/{original}/retry", body: """{"timeout":"PT2H"}""");
        var (batchRefused, batchProblem) = await PostAsync(alice, $"/api/batches/{batchId}/retry", body: """{"priority":"high"}""");

        Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{(int)refused.StatusCode} {problem}");
        Assert.Equal("application/problem+json", refused.MediaType);
        Assert.Contains("takes no body", problem.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, batchRefused.StatusCode);
        Assert.Contains("takes no body", batchProblem.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
        Assert.False((await TaskRequests.GetAsync(alice, original)).TryGetProperty("retried_by", out _), "a refused retry retried the task");

        var (accepted, body) = await PostAsync(alice, $"/api/tasks/{original}/retry", body: " { } ");
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, $"{(int)accepted.StatusCode} {body}");
    }

    [Fact]
    public async Task A_retried_task_and_a_batch_s_retried_task_keep_the_priority_retry_policy_and_time_limit_of_their_original()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var single = TaskRequests.Body(6, NewCollection());
        single["priority"] = "low";
        single["retry"] = new JsonObject { ["max_attempts"] = 4, ["initial_interval"] = "PT3S", ["backoff"] = 1.5, ["max_interval"] = "PT20S" };
        single["timeout"] = "PT40M";
        var inBatch = BatchRequests.Task("only", 5);
        inBatch["priority"] = "high";
        inBatch["retry"] = new JsonObject { ["max_attempts"] = 2 };
        inBatch["timeout"] = "PT1H";
        gateway.Faults.RefuseIndex(single["collection"]!.GetValue<string>());
        gateway.Faults.RefuseIndex(inBatch["collection"]!.GetValue<string>());
        var original = await TaskRequests.CreateAsync(alice, single);
        var (batchId, batchTasks) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(inBatch));
        Assert.Equal("failed", (await TaskRequests.WaitForEndAsync(alice, original)).GetProperty("status").GetString());
        Assert.Equal("failed", (await BatchRequests.WaitForEndAsync(alice, batchId)).GetProperty("status").GetString());

        var (_, retried) = await PostAsync(alice, $"/api/tasks/{original}/retry");
        var (_, batchRetried) = await PostAsync(alice, $"/api/batches/{batchId}/retry");
        var retry = await TaskRequests.WaitForEndAsync(alice, retried.GetProperty("task_id").GetGuid());
        var batchRetry = await TaskRequests.WaitForEndAsync(alice, batchRetried.GetProperty("tasks")[0].GetProperty("task_id").GetGuid());

        foreach (var (originalId, again, priority, timeout, maxAttempts) in new[]
        {
            (original, retry, "low", "PT40M", 4),
            (batchTasks["only"], batchRetry, "high", "PT1H", 2),
        })
        {
            var before = await TaskRequests.GetAsync(alice, originalId);
            Assert.Equal(("completed", originalId), (again.GetProperty("status").GetString(), again.GetProperty("retry_of").GetGuid()));
            Assert.Equal((priority, timeout), (again.GetProperty("priority").GetString(), again.GetProperty("timeout").GetString()));
            Assert.Equal(maxAttempts, again.GetProperty("retry").GetProperty("max_attempts").GetInt32());
            Assert.Equal(before.GetProperty("retry").GetRawText(), again.GetProperty("retry").GetRawText());
        }

        Assert.Equal(("PT3S", 1.5, "PT20S"), (retry.GetProperty("retry").GetProperty("initial_interval").GetString(),
            retry.GetProperty("retry").GetProperty("backoff").GetDouble(), retry.GetProperty("retry").GetProperty("max_interval").GetString()));
    }

    [Fact]
    public async Task Every_refusal_answers_problem_details_and_changes_nothing()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        var clean = await TaskRequests.CreateAsync(alice, TaskRequests.Body(5));
        await TaskRequests.WaitForEndAsync(alice, clean);
        var waiting = await TaskRequests.CreateAsync(alice, Waiting(3));
        var failed = await FailedTaskAsync(alice, documents: 10);

        var cases = new List<(string Why, string Path, HttpStatusCode Status, string? Key)>
        {
            ("unknown task", $"/api/tasks/{Guid.NewGuid()}/retry", HttpStatusCode.NotFound, null),
            ("malformed id", "/api/tasks/not-a-guid/retry", HttpStatusCode.NotFound, null),
            ("not ended", $"/api/tasks/{waiting}/retry", HttpStatusCode.Conflict, null),
            ("nothing to retry", $"/api/tasks/{clean}/retry", HttpStatusCode.Conflict, null),
            ("malformed key", $"/api/tasks/{failed}/retry", HttpStatusCode.BadRequest, "bad key"),
        };
        foreach (var (why, path, status, key) in cases)
        {
            var (response, problem) = await PostAsync(alice, path, key);
            Assert.True(response.StatusCode == status, $"{why}: {(int)response.StatusCode} {problem}");
            Assert.Equal("application/problem+json", response.MediaType);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(bob, $"/api/tasks/{failed}/retry")).StatusCode);

        Assert.False((await TaskRequests.GetAsync(alice, failed)).TryGetProperty("retried_by", out _), "a refused retry linked the task");
        Assert.False((await TaskRequests.GetAsync(alice, clean)).TryGetProperty("retried_by", out _), "a refused retry linked the task");
        Assert.Equal("waiting", (await TaskRequests.GetAsync(alice, waiting)).GetProperty("status").GetString());

        var (first, accepted) = await PostAsync(alice, $"/api/tasks/{failed}/retry");
        var (again, conflict) = await PostAsync(alice, $"/api/tasks/{failed}/retry");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(accepted.GetProperty("task_id").GetGuid(), conflict.GetProperty("retried_by").GetGuid());
        await alice.PostAsync($"/api/tasks/{waiting}/cancel", null);
    }

    [Fact]
    public async Task The_same_idempotency_key_answers_the_same_retry_and_an_admin_may_retry_anyone_s_task()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var failed = await FailedTaskAsync(alice, documents: 8);
        var key = Guid.NewGuid().ToString();

        var (first, firstBody) = await PostAsync(alice, $"/api/tasks/{failed}/retry", key);
        var (second, secondBody) = await PostAsync(alice, $"/api/tasks/{failed}/retry", key);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, second.StatusCode));
        Assert.Equal(firstBody.GetProperty("task_id").GetGuid(), secondBody.GetProperty("task_id").GetGuid());

        var cancelled = await TaskRequests.CreateAsync(alice, Waiting(4));
        await alice.PostAsync($"/api/tasks/{cancelled}/cancel", null);
        await TaskRequests.WaitForEndAsync(alice, cancelled);
        var (byAdmin, retry) = await PostAsync(admin, $"/api/tasks/{cancelled}/retry");
        Assert.Equal(HttpStatusCode.Accepted, byAdmin.StatusCode);
        var retried = await TaskRequests.WaitForEndAsync(alice, retry.GetProperty("task_id").GetGuid());
        Assert.Equal(("alice", 4, cancelled), (retried.GetProperty("owner_id").GetString(), retried.GetProperty("total").GetInt32(), retried.GetProperty("retry_of").GetGuid()));
    }

    [Fact]
    public async Task A_batch_is_retried_as_a_new_batch_of_its_failed_tasks_linked_both_ways()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var failing = BatchRequests.Task("first", 30);
        gateway.Faults.RefuseIndex(failing["collection"]!.GetValue<string>());
        var (batchId, tasks) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(failing, BatchRequests.Task("second", 20, after: "first"), BatchRequests.Task("other", 10)));
        Assert.Equal("failed", (await BatchRequests.WaitForEndAsync(alice, batchId)).GetProperty("status").GetString());

        var (response, body) = await PostAsync(alice, $"/api/batches/{batchId}/retry");
        var retryId = body.GetProperty("batch_id").GetGuid();
        var end = await BatchRequests.WaitForEndAsync(alice, retryId);
        var original = await BatchRequests.GetAsync(alice, batchId);
        var retried = body.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("ref").GetString()!, t => t.GetProperty("task_id").GetGuid());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/batches/{retryId}", response.Location);
        Assert.Equal($"/ws/batch/{retryId}", body.GetProperty("ws_url").GetString());
        Assert.Equal(["first", "second"], retried.Keys.Order());
        Assert.Equal(("completed", batchId), (end.GetProperty("status").GetString(), end.GetProperty("retry_of").GetGuid()));
        Assert.Equal(retryId, original.GetProperty("retried_by").GetGuid());
        Assert.Equal(tasks["first"], (await TaskRequests.GetAsync(alice, retried["first"])).GetProperty("retry_of").GetGuid());
        Assert.Equal(retried["second"], (await TaskRequests.GetAsync(alice, tasks["second"])).GetProperty("retried_by").GetGuid());

        var (again, conflict) = await PostAsync(alice, $"/api/batches/{batchId}/retry");
        var nothing = await PostAsync(alice, $"/api/batches/{retryId}/retry");
        Assert.Equal((HttpStatusCode.Conflict, retryId), (again.StatusCode, conflict.GetProperty("retried_by").GetGuid()));
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_retries_a_failed_task_and_a_batch_and_shows_the_links_on_both_sides()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var failed = await FailedTaskAsync(alice, documents: 12, body =>
        {
            body["priority"] = "high";
            body["retry"] = new JsonObject { ["max_attempts"] = 3, ["initial_interval"] = "PT2S", ["backoff"] = 1.5, ["max_interval"] = "PT10S" };
            body["timeout"] = "PT30M";
        });
        var failing = BatchRequests.Task("only", 10);
        gateway.Faults.RefuseIndex(failing["collection"]!.GetValue<string>());
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(failing));
        await BatchRequests.WaitForEndAsync(alice, batchId);
        await using var browser = await DashboardBrowser.LaunchAsync();

        // The failed task's details offer a retry; the click opens the new task, which names its original.
        var page = await browser.SignedInTabAsync(gateway.BaseAddress, TestTokens.Alice, $"/dashboard/#/tasks/{failed}");
        await Assertions.Expect(page.Locator("#details dd[data-fact=Status]")).ToHaveTextAsync("failed");
        await Assertions.Expect(page.Locator("#details dd[data-fact=Priority]")).ToHaveTextAsync("high");
        await Assertions.Expect(page.Locator("#details dd[data-fact='Retry policy']")).ToHaveTextAsync(
            "at most 3 attempts · first wait PT2S · backoff × 1.5 · longest wait PT10S");
        await Assertions.Expect(page.Locator("#details dd[data-fact='Time limit']")).ToHaveTextAsync("PT30M");
        await Assertions.Expect(page.Locator("#details dd[data-fact=Attempt]")).ToHaveTextAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Retry task {failed}" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"#/tasks/(?!" + failed + ")[0-9a-f-]{36}$"));
        var retryId = Guid.Parse(page.Url[^36..]);
        await Assertions.Expect(page.Locator("#details dd[data-fact=Task]")).ToHaveTextAsync(retryId.ToString());
        await Assertions.Expect(page.Locator("#details dd[data-fact='Retry of'] a")).ToHaveTextAsync(failed.ToString());
        Assert.Equal(failed, (await TaskRequests.GetAsync(alice, retryId)).GetProperty("retry_of").GetGuid());

        // Back on the original: it names its retry and offers no second one.
        await page.Locator("#details dd[data-fact='Retry of'] a").ClickAsync();
        await Assertions.Expect(page.Locator("#details dd[data-fact=Task]")).ToHaveTextAsync(failed.ToString());
        await Assertions.Expect(page.Locator("#details dd[data-fact='Retried by'] a")).ToHaveTextAsync(retryId.ToString());
        await Assertions.Expect(page.Locator("#details-retry")).ToBeHiddenAsync();

        // The task list links each of the two to the other.
        await page.ClickAsync("nav button[data-view=tasks]");
        await Assertions.Expect(page.Locator($"tr[data-task-id='{failed}'] td.id a.retried-by")).ToHaveAttributeAsync("data-task-id", retryId.ToString());
        await Assertions.Expect(page.Locator($"tr[data-task-id='{retryId}'] td.id a.retry-of")).ToHaveAttributeAsync("data-task-id", failed.ToString());
        await page.Locator($"tr[data-task-id='{retryId}'] td.id a.retry-of").ClickAsync();
        await Assertions.Expect(page.Locator("#details dd[data-fact=Task]")).ToHaveTextAsync(failed.ToString());

        // The batches view retries a failed batch; its row then names the retry.
        await page.ClickAsync("nav button[data-view=batches]");
        var row = page.Locator($"tr[data-batch-id='{batchId}']");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Retry batch {batchId}" }).ClickAsync();
        await Assertions.Expect(row.Locator("td.message .retried-by")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        var retriedBy = (await BatchRequests.GetAsync(alice, batchId)).GetProperty("retried_by").GetGuid();
        await Assertions.Expect(page.Locator($"tr[data-batch-id='{retriedBy}'] td.message .retry-of")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new() { Name = $"Retry batch {batchId}" })).ToHaveCountAsync(0);
        Assert.Empty(browser.ConsoleErrors);
    }
}
