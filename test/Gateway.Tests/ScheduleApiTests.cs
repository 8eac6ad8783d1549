using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class ScheduleApiTests(SharedGateway gateway)
{
    private static JsonObject Body(Action<JsonObject>? change = null)
    {
        var body = new JsonObject
        {
            ["name"] = "every minute",
            ["task"] = TaskRequests.Body(5),
            ["every"] = "PT1M",
        };
        change?.Invoke(body);
        return body;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpClient client, HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    [Fact]
    public async Task A_create_replayed_with_its_idempotency_key_after_the_schedule_was_deleted_is_409_and_creates_nothing()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var key = Guid.NewGuid().ToString();
        var body = Body().ToJsonString();
        async Task<(HttpStatusCode Status, JsonElement Body)> CreateAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/schedules") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await alice.SendAsync(request);
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        var first = await CreateAsync();
        var id = first.Body.GetProperty("schedule_id").GetGuid();
        var (deleted, _, _) = await SendAsync(alice, HttpMethod.Delete, $"/api/schedules/{id}");
        var replay = await CreateAsync();
        var again = await CreateAsync();

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.NoContent), (first.Status, deleted));
        Assert.Equal(HttpStatusCode.Conflict, replay.Status);
        Assert.Equal("Created, then deleted", replay.Body.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        var (status, _, _) = await SendAsync(alice, HttpMethod.Get, $"/api/schedules/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var (_, list, _) = await SendAsync(alice, HttpMethod.Get, "/api/schedules");
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), row => row.GetProperty("schedule_id").GetGuid() == id);
    }

    [Fact]
    public async Task A_run_now_repeated_with_its_idempotency_key_answers_the_same_run_and_starts_one_task()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (_, schedule, _) = await SendAsync(alice, HttpMethod.Post, "/api/schedules", Body());
        var path = $"/api/schedules/{schedule.GetProperty("schedule_id").GetGuid()}/run";

        async Task<(HttpStatusCode Status, JsonElement Body)> RunAsync(string? key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path);
            if (key is not null)
            {
                request.Headers.Add("Idempotency-Key", key);
            }

            using var response = await alice.SendAsync(request);
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        var key = Guid.NewGuid().ToString("N");
        var first = await RunAsync(key);
        var again = await RunAsync(key);
        var other = await RunAsync(null);
        var bad = await RunAsync("with space");
        var (_, read, _) = await SendAsync(alice, HttpMethod.Get, path[..^4]);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, again.Status);
        Assert.Equal(first.Body.GetProperty("task_id").GetGuid(), again.Body.GetProperty("task_id").GetGuid());
        Assert.NotEqual(first.Body.GetProperty("task_id").GetGuid(), other.Body.GetProperty("task_id").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal(2, read.GetProperty("runs").GetInt32());
    }

    [Fact]
    public async Task A_schedule_is_created_read_run_paused_resumed_and_deleted_over_rest()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var before = DateTimeOffset.UtcNow;

        var (created, schedule, response) = await SendAsync(alice, HttpMethod.Post, "/api/schedules", Body());
        var id = schedule.GetProperty("schedule_id").GetGuid();
        var read = await alice.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}");
        var (runStatus, run, _) = await SendAsync(alice, HttpMethod.Post, $"/api/schedules/{id}/run");
        var runTask = await TaskRequests.WaitForEndAsync(alice, run.GetProperty("task_id").GetGuid());
        var (_, paused, _) = await SendAsync(alice, HttpMethod.Post, $"/api/schedules/{id}/pause");
        var (_, resumed, _) = await SendAsync(alice, HttpMethod.Post, $"/api/schedules/{id}/resume");
        var afterRun = await alice.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}");
        var listed = await alice.GetFromJsonAsync<JsonElement>("/api/schedules");
        var (deleted, _, _) = await SendAsync(alice, HttpMethod.Delete, $"/api/schedules/{id}");
        using var gone = await alice.GetAsync($"/api/schedules/{id}");
        var (deletedAgain, _, _) = await SendAsync(alice, HttpMethod.Delete, $"/api/schedules/{id}");

        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal($"/api/schedules/{id}", response.Headers.Location?.OriginalString);
        response.Dispose();
        Assert.Equal("interval", read.GetProperty("kind").GetString());
        Assert.Equal("PT1M", read.GetProperty("every").GetString());
        Assert.Equal(("run_once", "skip", false), (read.GetProperty("missed").GetString(), read.GetProperty("overlap").GetString(), read.GetProperty("paused").GetBoolean()));
        var next = DateTimeOffset.Parse(read.GetProperty("next_run_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(next, before.AddSeconds(59), DateTimeOffset.UtcNow.AddSeconds(61));
        Assert.Equal(HttpStatusCode.Accepted, runStatus);
        Assert.True(run.GetProperty("manual").GetBoolean());
        Assert.Equal(id, runTask.GetProperty("schedule_id").GetGuid());
        Assert.Equal("completed", runTask.GetProperty("status").GetString());
        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.False(paused.TryGetProperty("next_run_at", out _));
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        MessageAssert.IsTimestamp(resumed.GetProperty("next_run_at"));
        Assert.Equal(1, afterRun.GetProperty("runs").GetInt32());
        Assert.Equal(run.GetProperty("task_id").GetGuid(), afterRun.GetProperty("last_run").GetProperty("task_id").GetGuid());
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), s => s.GetProperty("schedule_id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.NoContent, deleted);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain);
    }

    [Fact]
    public async Task Every_run_of_a_schedule_takes_the_retry_policy_time_limit_and_priority_of_its_task_which_the_schedule_shows()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (created, schedule, response) = await SendAsync(alice, HttpMethod.Post, "/api/schedules", Body(b =>
        {
            b["task"]!["timeout"] = "PT45M";
            b["task"]!["retry"] = new JsonObject { ["max_attempts"] = 3, ["initial_interval"] = "PT2S" };
            b["task"]!["priority"] = "high";
        }));
        response.Dispose();
        var id = schedule.GetProperty("schedule_id").GetGuid();
        var (_, plain, plainResponse) = await SendAsync(alice, HttpMethod.Post, "/api/schedules", Body());
        plainResponse.Dispose();
        var plainId = plain.GetProperty("schedule_id").GetGuid();

        var (_, run, _) = await SendAsync(alice, HttpMethod.Post, $"/api/schedules/{id}/run");
        var (_, plainRun, _) = await SendAsync(alice, HttpMethod.Post, $"/api/schedules/{plainId}/run");
        var task = await TaskRequests.WaitForEndAsync(alice, run.GetProperty("task_id").GetGuid());
        var plainTask = await TaskRequests.WaitForEndAsync(alice, plainRun.GetProperty("task_id").GetGuid());
        var (_, read, _) = await SendAsync(alice, HttpMethod.Get, $"/api/schedules/{id}");
        var (_, plainRead, _) = await SendAsync(alice, HttpMethod.Get, $"/api/schedules/{plainId}");

        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(id, task.GetProperty("schedule_id").GetGuid());
        Assert.Equal(("PT45M", "high"), (task.GetProperty("timeout").GetString(), task.GetProperty("priority").GetString()));
        Assert.Equal((3, "PT2S"), (task.GetProperty("retry").GetProperty("max_attempts").GetInt32(), task.GetProperty("retry").GetProperty("initial_interval").GetString()));
        Assert.False(plainTask.TryGetProperty("timeout", out _));
        Assert.Equal("normal", plainTask.GetProperty("priority").GetString());

        // The schedule shows its template's settings as given: what the retry policy leaves out is the silo's at each run.
        foreach (var shown in new[] { schedule, read })
        {
            Assert.Equal(("PT45M", "high"), (shown.GetProperty("timeout").GetString(), shown.GetProperty("priority").GetString()));
            Assert.Equal("""{"max_attempts":3,"initial_interval":"PT2S"}""", shown.GetProperty("retry").GetRawText());
        }

        Assert.Equal("normal", plainRead.GetProperty("priority").GetString());
        Assert.False(plainRead.TryGetProperty("retry", out _));
        Assert.False(plainRead.TryGetProperty("timeout", out _));
    }

    [Fact]
    public async Task A_schedule_whose_task_asks_for_no_time_limit_shows_none_and_its_runs_have_no_limit()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (created, schedule, response) = await SendAsync(alice, HttpMethod.Post, "/api/schedules", Body(b => b["task"]!["timeout"] = "none"));
        response.Dispose();
        var id = schedule.GetProperty("schedule_id").GetGuid();

        var (_, run, _) = await SendAsync(alice, HttpMethod.Post, $"/api/schedules/{id}/run");
        var task = await TaskRequests.WaitForEndAsync(alice, run.GetProperty("task_id").GetGuid());
        var (_, read, _) = await SendAsync(alice, HttpMethod.Get, $"/api/schedules/{id}");

        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(("none", "none"), (schedule.GetProperty("timeout").GetString(), read.GetProperty("timeout").GetString()));
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.False(task.TryGetProperty("timeout", out var timeout), $"the run has a limit: {timeout}");
    }

    [Fact]
    public async Task A_cron_schedule_reads_back_with_its_time_zone_and_next_run()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        var (status, schedule, response) = await SendAsync(alice, HttpMethod.Post, "/api/schedules", Body(b =>
        {
            b.Remove("every");
            b["cron"] = "30 2 * * *";
            b["time_zone"] = "Europe/Berlin";
            b["overlap"] = "queue";
            b["missed"] = "skip";
        }));
        response.Dispose();

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("cron", schedule.GetProperty("kind").GetString());
        Assert.Equal("Europe/Berlin", schedule.GetProperty("time_zone").GetString());
        Assert.Equal(("skip", "queue"), (schedule.GetProperty("missed").GetString(), schedule.GetProperty("overlap").GetString()));
        var next = DateTimeOffset.Parse(schedule.GetProperty("next_run_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var local = TimeZoneInfo.ConvertTime(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        Assert.True(local.Hour is 2 or 3 && local.Minute is 30 or 0, $"next run {local} is not 02:30 Berlin time");
    }

    [Theory]
    [InlineData("short", "every")]
    [InlineData("not-a-duration", "every")]
    [InlineData("bad-cron", "cron")]
    [InlineData("bad-zone", "time_zone")]
    [InlineData("no-trigger", "trigger")]
    [InlineData("two-triggers", "trigger")]
    [InlineData("past", "at")]
    [InlineData("bad-missed", "missed")]
    [InlineData("bad-overlap", "overlap")]
    [InlineData("no-task", "task")]
    [InlineData("bad-collection", "task.collection")]
    [InlineData("timeout-seconds", "task.timeout")]
    [InlineData("timeout-too-long", "task.timeout")]
    [InlineData("no-attempts", "task.retry.max_attempts")]
    [InlineData("interval-seconds", "task.retry.initial_interval")]
    [InlineData("unknown-priority", "task.priority")]
    [InlineData("unknown-field", "body")]
    public async Task An_invalid_schedule_is_refused_with_400_naming_the_field_and_nothing_is_created(string kind, string field)
    {
        using var client = gateway.CreateHttpClient(TestTokens.For("user-" + Guid.NewGuid().ToString("N")[..8]));
        var body = Body(b =>
        {
            switch (kind)
            {
                case "short": b["every"] = "PT30S"; break;
                case "not-a-duration": b["every"] = "fifteen minutes"; break;
                case "bad-cron": b.Remove("every"); b["cron"] = "every day"; break;
                case "bad-zone": b.Remove("every"); b["cron"] = "0 3 * * *"; b["time_zone"] = "Atlantis/Capital"; break;
                case "no-trigger": b.Remove("every"); break;
                case "two-triggers": b["cron"] = "0 3 * * *"; break;
                case "past": b.Remove("every"); b["at"] = "2020-01-01T00:00:00Z"; break;
                case "bad-missed": b["missed"] = "sometimes"; break;
                case "bad-overlap": b["overlap"] = "both"; break;
                case "no-task": b.Remove("task"); break;
                case "bad-collection": b["task"]!["collection"] = "../etc"; break;
                case "timeout-seconds": b["task"]!["timeout"] = 30; break;
                case "timeout-too-long": b["task"]!["timeout"] = "P31D"; break;
                case "no-attempts": b["task"]!["retry"] = new JsonObject { ["max_attempts"] = 0 }; break;
                case "interval-seconds": b["task"]!["retry"] = new JsonObject { ["initial_interval"] = 2 }; break;
                case "unknown-priority": b["task"]!["priority"] = "urgent"; break;
                default: b["priority"] = "high"; break;
            }
        });

        var (status, problem, response) = await SendAsync(client, HttpMethod.Post, "/api/schedules", body);
        response.Dispose();
        var list = await client.GetFromJsonAsync<JsonElement>("/api/schedules");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on '{field}': {problem}");
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Schedules_are_their_owners_alone_except_for_admins()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        using var anonymous = gateway.CreateHttpClient();
        var (_, schedule, response) = await SendAsync(alice, HttpMethod.Post, "/api/schedules", Body());
        response.Dispose();
        var id = schedule.GetProperty("schedule_id").GetGuid();

        var bobs = new List<HttpStatusCode>();
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"/api/schedules/{id}"),
            (HttpMethod.Post, $"/api/schedules/{id}/pause"),
            (HttpMethod.Post, $"/api/schedules/{id}/resume"),
            (HttpMethod.Post, $"/api/schedules/{id}/run"),
            (HttpMethod.Delete, $"/api/schedules/{id}"),
            (HttpMethod.Get, "/api/schedules/not-a-schedule"),
        })
        {
            bobs.Add((await SendAsync(bob, method, path)).Status);
        }

        var bobsList = await bob.GetFromJsonAsync<JsonElement>("/api/schedules");
        using var adminReads = await admin.GetAsync($"/api/schedules/{id}");
        using var anonymousReads = await anonymous.GetAsync($"/api/schedules/{id}");
        var unchanged = await alice.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}");

        Assert.All(bobs, status => Assert.Equal(HttpStatusCode.NotFound, status));
        Assert.DoesNotContain(bobsList.GetProperty("items").EnumerateArray(), s => s.GetProperty("schedule_id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.OK, adminReads.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousReads.StatusCode);
        Assert.False(unchanged.GetProperty("paused").GetBoolean());
        Assert.Equal(0, unchanged.GetProperty("runs").GetInt32());
        await SendAsync(alice, HttpMethod.Delete, $"/api/schedules/{id}");
    }
}
