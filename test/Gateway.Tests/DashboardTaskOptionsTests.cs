using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The create form's priority, time limit and retry policy, and a queued task's place in the details, in a real
/// headless Chromium against a real gateway and silo.
/// </summary>
public sealed class DashboardTaskOptionsTests
{
    private const string Result = "#create-result";

    [Fact]
    public async Task The_form_sends_priority_time_limit_and_retry_policy_and_refuses_bad_ones_itself_or_with_the_servers_problem()
    {
        // A silo default time limit, so that a form left empty and one saying "none" send different requests.
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Tasks:DefaultTimeout"] = "01:00:00" });
        gateway.StartServer();
        using var demo = gateway.CreateHttpClient(TestTokens.For("demo"));
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(gateway.BaseAddress, TestTokens.For("demo"));
        await page.ClickAsync("nav button[data-view=create]");
        await page.FillAsync("#create-collection", "options-" + Guid.NewGuid().ToString("N")[..8]);
        await page.FillAsync("#create-inline", "a: alpha grain\nb: beta silo");

        // Refused in the form, before anything is sent.
        await page.FillAsync("#create-timeout", "soon");
        await page.ClickAsync("#create-task button[type=submit]");
        await Assertions.Expect(page.Locator(Result)).ToHaveTextAsync(
            "Time limit: \"soon\" is not a number of minutes from 0.017 (1 second) to 43200 (30 days), or none; leave it empty for the default.");

        // Refused by the server: its 400 problem is shown.
        await page.FillAsync("#create-timeout", "30");
        await page.SelectOptionAsync("#create-priority", "high");
        await page.FillAsync("#create-retry-attempts", "3");
        await page.FillAsync("#create-retry-initial", "2");
        await page.FillAsync("#create-retry-backoff", "1.5");
        await page.FillAsync("#create-retry-max", "1");
        await page.ClickAsync("#create-task button[type=submit]");
        await Assertions.Expect(page.Locator(Result)).ToContainTextAsync("retry.max_interval: 'retry.max_interval' may not be shorter than 'retry.initial_interval'.");

        await page.FillAsync("#create-retry-max", "10");
        var chosen = await CreateAsync(page);
        await page.ClickAsync("nav button[data-view=create]");
        foreach (var field in new[] { "#create-timeout", "#create-retry-attempts", "#create-retry-initial", "#create-retry-backoff", "#create-retry-max" })
        {
            await page.FillAsync(field, "");
        }

        await page.SelectOptionAsync("#create-priority", "normal");
        var defaults = await CreateAsync(page);
        await page.ClickAsync("nav button[data-view=create]");
        await page.FillAsync("#create-timeout", " None ");
        var unlimited = await CreateAsync(page);

        var task = await TaskRequests.GetAsync(demo, chosen);
        Assert.Equal("high", task.GetProperty("priority").GetString());
        Assert.Equal("PT30M", task.GetProperty("timeout").GetString());
        Assert.Equal("""{"max_attempts":3,"initial_interval":"PT2S","backoff":1.5,"max_interval":"PT10S"}""", task.GetProperty("retry").GetRawText());
        var plain = await TaskRequests.GetAsync(demo, defaults);
        Assert.Equal("normal", plain.GetProperty("priority").GetString());
        Assert.Equal("PT1H", plain.GetProperty("timeout").GetString());
        Assert.Equal("""{"max_attempts":10,"initial_interval":"PT1S","backoff":2,"max_interval":"PT5M"}""", plain.GetProperty("retry").GetRawText());
        var sent = await TaskRequests.GetAsync(demo, unlimited);
        Assert.False(sent.TryGetProperty("timeout", out var none) && none.ValueKind != JsonValueKind.Null, $"\"none\" was typed, yet the task has {none}");

        // The browser reports the refused request itself, and nothing else went wrong.
        var error = Assert.Single(browser.ConsoleErrors);
        Assert.Contains("/api/tasks", error, StringComparison.Ordinal);
        Assert.Contains("status of 400", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_details_of_a_queued_task_show_its_place_in_the_queue_as_the_tasks_ahead_start()
    {
        await using var gateway = new GatewayFactory(
            new Dictionary<string, string?> { ["Tasks:MaxRunningPerSilo"] = "1" }, services: services => services.AddFaultInjection());
        gateway.StartServer();
        using var demo = gateway.CreateHttpClient(TestTokens.For("demo"));
        var slow = "slow-" + Guid.NewGuid().ToString("N")[..8];

        // Tasks in the slow collection index a document a second, so each holds the one slot until cancelled.
        gateway.Services.GetRequiredService<FaultPlan>().PaceIndex(slow, TimeSpan.FromSeconds(1));
        var blocker = await TaskRequests.CreateAsync(demo, TaskRequests.Body(200, slow));
        await Eventually.TrueAsync("the blocker to take the slot",
            async () => (await TaskRequests.GetAsync(demo, blocker)).GetProperty("status").GetString() == "processing", TimeSpan.FromSeconds(30));
        var next = await TaskRequests.CreateAsync(demo, TaskRequests.Body(200, slow));
        var last = await TaskRequests.CreateAsync(demo, TaskRequests.Body(3));
        await Eventually.TrueAsync("the last task to queue second",
            async () => Position(await TaskRequests.GetAsync(demo, last)) == 2, TimeSpan.FromSeconds(30));

        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(gateway.BaseAddress, TestTokens.For("demo"), $"/dashboard/#/tasks/{last}");
        var place = page.Locator("#details dd[data-fact='Queue position']");
        await Assertions.Expect(page.Locator("#details dd[data-fact=Status]")).ToHaveTextAsync("pending");
        await Assertions.Expect(place).ToHaveTextAsync("2 · 1 ahead");

        // The blocker ends and the next task takes the slot: nothing changed in the last task, yet its place moves.
        await CancelAsync(demo, blocker);
        await Assertions.Expect(place).ToHaveTextAsync("1 · starts next", new() { Timeout = 30_000 });

        // Once it runs it has no place any more, and it ends as its socket says.
        await CancelAsync(demo, next);
        await Assertions.Expect(page.Locator("#details dd[data-fact=Status]")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        await Assertions.Expect(place).ToHaveCountAsync(0);
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task The_details_results_show_how_many_attempts_each_documents_slice_took()
    {
        await using var gateway = new GatewayFactory(services: services => services.AddFaultInjection());
        gateway.StartServer();
        using var demo = gateway.CreateHttpClient(TestTokens.For("demo"));
        var body = TaskRequests.Body(30);
        body["retry"] = new System.Text.Json.Nodes.JsonObject { ["max_attempts"] = 4, ["initial_interval"] = "PT0.2S" };
        var fault = gateway.Services.GetRequiredService<FaultPlan>().FailIndex(body["collection"]!.GetValue<string>(), times: 2);
        var taskId = await TaskRequests.CreateAsync(demo, body);
        await TaskRequests.WaitForEndAsync(demo, taskId, TimeSpan.FromSeconds(60));
        var rows = (await demo.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/result?limit=50")).GetProperty("items").EnumerateArray()
            .Select(row => (row.GetProperty("id").GetString(), row.GetProperty("attempts").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(2, fault.Injected);
        Assert.Contains(rows, row => row.Item2 == "3");

        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(gateway.BaseAddress, TestTokens.For("demo"), $"/dashboard/#/tasks/{taskId}");
        await Assertions.Expect(page.Locator("#details-rows tr")).ToHaveCountAsync(rows.Count);
        await Assertions.Expect(page.Locator("#details thead th")).ToHaveTextAsync(["Document", "Outcome", "Attempts", "Error"]);

        var shown = await page.Locator("#details-rows tr").EvaluateAllAsync<string[][]>(
            "rows => rows.map(r => [r.cells[0].textContent, r.cells[2].textContent])");
        Assert.Equal(rows.Select(row => new[] { row.Item1!, row.Item2 }), shown);
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task The_details_show_a_task_waiting_to_retry_then_its_end_by_its_time_limit_and_another_ended_by_its_retries()
    {
        await using var gateway = new GatewayFactory(services: services => services.AddFaultInjection());
        gateway.StartServer();
        using var demo = gateway.CreateHttpClient(TestTokens.For("demo"));
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(gateway.BaseAddress, TestTokens.For("demo"));
        var faults = gateway.Services.GetRequiredService<FaultPlan>();

        // Its first slice fails, its retry waits 20 s, and its 8 s limit ends it during that wait.
        var limited = TaskRequests.Body(10);
        limited["retry"] = new System.Text.Json.Nodes.JsonObject { ["max_attempts"] = 10, ["initial_interval"] = "PT20S" };
        limited["timeout"] = "PT8S";
        faults.FailIndex(limited["collection"]!.GetValue<string>(), times: 1000);
        var limitedId = await TaskRequests.CreateAsync(demo, limited);
        // Opened at once: the page reads the task, then opens its socket, and the first failure may fall in between.
        await page.GotoAsync(new Uri(gateway.BaseAddress, $"/dashboard/#/tasks/{limitedId}").ToString());
        await Assertions.Expect(page.Locator("#details dd[data-fact=Attempt]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^2 · next at "));
        await Assertions.Expect(page.Locator("#details dd[data-fact=Message]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Retrying in [0-9.]+ s \\(attempt 2 of 10\\)"));
        await Assertions.Expect(page.Locator("#details dd[data-fact=Status]")).ToHaveTextAsync("failed", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#details dd[data-fact=Error]")).ToHaveTextAsync(
            "timeout: The task did not end within its time limit of PT8S after its start.");

        // Every one of its two attempts fails.
        var exhausted = TaskRequests.Body(10);
        exhausted["retry"] = new System.Text.Json.Nodes.JsonObject { ["max_attempts"] = 2, ["initial_interval"] = "PT0.2S" };
        faults.FailIndex(exhausted["collection"]!.GetValue<string>(), times: 1000);
        var exhaustedId = await TaskRequests.CreateAsync(demo, exhausted);
        await TaskRequests.WaitForEndAsync(demo, exhaustedId, TimeSpan.FromSeconds(60));
        await page.GotoAsync(new Uri(gateway.BaseAddress, $"/dashboard/#/tasks/{exhaustedId}").ToString());
        await Assertions.Expect(page.Locator("#details dd[data-fact=Status]")).ToHaveTextAsync("failed");
        await Assertions.Expect(page.Locator("#details dd[data-fact=Error]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^retries_exhausted: "));
        Assert.Empty(browser.ConsoleErrors);
    }

    /// <summary>Submits the create form; returns the task's id once it is accepted.</summary>
    private static async Task<Guid> CreateAsync(IPage page)
    {
        await page.ClickAsync("#create-task button[type=submit]");
        await Assertions.Expect(page.Locator(Result)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Task [0-9a-f-]{36} accepted$"), new() { Timeout = 30_000 });
        var id = Guid.Parse((await page.Locator(Result).TextContentAsync())!.Split(' ')[1]);
        await page.Locator(Result).EvaluateAsync("result => { result.textContent = ''; }");
        return id;
    }

    private static async Task CancelAsync(HttpClient client, Guid taskId)
    {
        using var response = await client.PostAsync($"/api/tasks/{taskId}/cancel", null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    private static int? Position(JsonElement task) => task.TryGetProperty("queue_position", out var position) ? position.GetInt32() : null;
}
