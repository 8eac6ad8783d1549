using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The batches and schedules views, open in headless Chromium and never reloaded, follow changes made
/// elsewhere from the feed's <c>batch</c> and <c>schedule</c> messages; the user is told only of their
/// own reads' failures.
/// </summary>
public sealed class DashboardListsLiveTests : IAsyncLifetime
{
    private readonly GatewayFactory _gateway = new(services: services => services.AddFaultInjection());

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_schedule_paused_resumed_run_and_deleted_over_rest_changes_its_row_in_the_open_view()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await ViewAsync(browser, _gateway.BaseAddress, "schedules");

        var id = await ScheduleRequests.CreateAsync(alice, "hourly");
        var path = $"/api/schedules/{id}";
        var row = page.Locator($"tr[data-schedule-id='{id}']");
        await Assertions.Expect(row.Locator("td.runs")).ToHaveTextAsync("0 runs, 0 skipped", new() { Timeout = 10_000 });
        var nextRun = await row.Locator("td.next-run").TextContentAsync();

        await alice.PostAsync($"{path}/pause", null);
        await Assertions.Expect(row.Locator("td.next-run")).ToHaveTextAsync("paused", new() { Timeout = 5_000 });
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new() { Name = "Resume schedule hourly" })).ToBeVisibleAsync();
        await alice.PostAsync($"{path}/resume", null);
        await Assertions.Expect(row.Locator("td.next-run")).ToHaveTextAsync(nextRun!, new() { Timeout = 5_000 });

        // A run started elsewhere: the last run and the count change (the next run stays: run now is extra).
        using var run = await alice.PostAsync($"{path}/run", null);
        var runTask = (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        await Assertions.Expect(row.Locator($"td.last-run a[data-task-id='{runTask}']")).ToBeVisibleAsync(new() { Timeout = 5_000 });
        await Assertions.Expect(row.Locator("td.runs")).ToHaveTextAsync("1 run, 0 skipped");

        using var deleted = await alice.DeleteAsync(path);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Assertions.Expect(row).ToHaveCountAsync(0, new() { Timeout = 5_000 });
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task A_batch_cancelled_over_rest_changes_its_row_in_the_open_view()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        _gateway.Services.GetRequiredService<FaultPlan>().PaceIndex("paced", TimeSpan.FromMilliseconds(100));
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await ViewAsync(browser, _gateway.BaseAddress, "batches");

        var first = TaskRequests.Body(2_000, collection: "paced");
        first["ref"] = "first";
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(first, BatchRequests.Task("second", 10, after: "first")));
        var row = page.Locator($"tr[data-batch-id='{batchId}']");
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("processing", new() { Timeout = 10_000 });
        await Assertions.Expect(row.Locator("td.tasks")).ToHaveTextAsync("0/2 done");

        using var cancel = await alice.PostAsync($"/api/batches/{batchId}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("cancelled", new() { Timeout = 15_000 });
        await Assertions.Expect(row.Locator("td.tasks")).ToHaveTextAsync("2/2 done");
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new() { Name = $"Retry batch {batchId}" })).ToBeVisibleAsync();
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task A_timed_occurrence_sets_the_last_run_and_moves_the_next_run_in_the_open_view()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await ViewAsync(browser, _gateway.BaseAddress, "schedules");

        // The shortest interval there is, its first occurrence far enough away for the checks before it
        // on a loaded machine.
        var start = DateTimeOffset.UtcNow.AddSeconds(25);
        start = start.AddTicks(-(start.Ticks % TimeSpan.TicksPerSecond));
        using var created = await alice.PostAsJsonAsync("/api/schedules", new JsonObject
        {
            ["name"] = "soon",
            ["task"] = TaskRequests.Body(5, collection: "soon"),
            ["every"] = "PT1M",
            ["start_at"] = start.ToString("o", CultureInfo.InvariantCulture),
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("schedule_id").GetGuid();
        var row = page.Locator($"tr[data-schedule-id='{id}']");
        await Assertions.Expect(row.Locator("td.next-run")).ToHaveTextAsync(await ShownTimeAsync(page, start), new() { Timeout = 10_000 });
        await Assertions.Expect(row.Locator("td.last-run")).ToHaveTextAsync("—");
        await Assertions.Expect(row.Locator("td.runs")).ToHaveTextAsync("0 runs, 0 skipped");

        // It falls due with the view open and never reloaded: its run shows, and the next run is the one after.
        await Assertions.Expect(row.Locator("td.last-run a")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator("td.next-run")).ToHaveTextAsync(await ShownTimeAsync(page, start.AddMinutes(1)), new() { Timeout = 5_000 });
        await Assertions.Expect(row.Locator("td.runs")).ToHaveTextAsync("1 run, 0 skipped");
        var schedule = await alice.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}");
        var lastRun = schedule.GetProperty("last_run");
        await Assertions.Expect(row.Locator($"td.last-run a[data-task-id='{lastRun.GetProperty("task_id").GetGuid()}']"))
            .ToHaveTextAsync(await ShownTimeAsync(page, lastRun.GetProperty("started_at").GetDateTimeOffset()));
        Assert.Equal(start.AddMinutes(1), schedule.GetProperty("next_run_at").GetDateTimeOffset());
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Empty(browser.ConsoleErrors);
    }

    [Theory]
    [InlineData("batches")]
    [InlineData("schedules")]
    public async Task A_read_back_refused_after_a_reconnect_is_tried_again_and_the_badge_is_not_live_until_it_succeeds(string view)
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var link = new CuttableProxy(_gateway.BaseAddress);
        await using var browser = await DashboardBrowser.LaunchAsync("Too Many Requests");
        // Read before the cut: a read cut midway would be sent again by the browser once the link is back.
        var page = await ViewAsync(browser, link.Address, view);
        var rows = page.Locator(view == "batches" ? "#batch-rows tr" : "#schedule-rows tr");
        await Assertions.Expect(rows).ToHaveCountAsync(0);

        // Made while the link is cut, and sent to the test's feed socket: only the read-back can show it.
        await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        var key = view == "batches" ? "data-batch-id" : "data-schedule-id";
        string made;
        if (view == "batches")
        {
            var batch = await watcher.WhileCutAsync(link, page, async () =>
            {
                var (batchId, tasks) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(BatchRequests.Task("only", 2)));
                await BatchRequests.WaitForEndAsync(alice, batchId);
                return (BatchId: batchId, TaskId: tasks["only"]);
            }, ended => [FeedWatcher.ForTask(ended.TaskId, "completed"), FeedWatcher.ForBatch(ended.BatchId, "completed")]);
            made = batch.BatchId.ToString();
        }
        else
        {
            var scheduleId = await watcher.WhileCutAsync(link, page, () => ScheduleRequests.CreateAsync(alice, "while-cut"), id => [FeedWatcher.ForSchedule(id)]);
            made = scheduleId.ToString();
        }

        // The list refuses the page's reads until it has refused two.
        var refused = await RefusedReads.StartAsync(page, $"/api/{view}");
        link.Restore();
        await refused.WaitForAsync(2);
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        await Assertions.Expect(rows).ToHaveCountAsync(0);

        // Answered again: what was made meanwhile is read back, and the badge says so.
        await refused.StopAsync();
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveAttributeAsync(key, made);
        Assert.All(browser.ConsoleErrors, error => Assert.Contains("status of 429", error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_list_read_answered_after_a_later_one_does_not_take_back_what_the_later_one_showed()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice);

        // The view's first read is answered as the list was when it was asked (empty), but only once the
        // read for a schedule created meanwhile has shown it.
        var reads = 0;
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(url => new Uri(url).AbsolutePath == "/api/schedules", async route =>
        {
            if (Interlocked.Increment(ref reads) > 1)
            {
                await route.ContinueAsync();
                return;
            }

            var response = await route.FetchAsync();
            var body = await response.TextAsync();
            asked.SetResult();
            await release.Task;
            await route.FulfillAsync(new() { Response = response, Body = body });
        });
        try
        {
            await page.ClickAsync("nav button[data-view=schedules]");
            await Deadline.WaitAsync(asked.Task, TimeSpan.FromSeconds(30), "the schedules view's first read");
            var id = await ScheduleRequests.CreateAsync(alice, "later");
            var row = page.Locator($"tr[data-schedule-id='{id}']");
            await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = 15_000 });
            var list = page.Locator("#schedule-rows");
            var answered = int.Parse((await list.GetAttributeAsync("data-answered"))!, CultureInfo.InvariantCulture);

            release.SetResult();
            await Assertions.Expect(list).ToHaveAttributeAsync("data-answered", (answered + 1).ToString(CultureInfo.InvariantCulture));
            Assert.Equal(1, await row.CountAsync());
        }
        finally
        {
            release.TrySetResult();
        }

        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task Showing_a_view_or_pressing_a_schedules_button_alerts_only_when_the_users_own_read_fails()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var browser = await DashboardBrowser.LaunchAsync("Too Many Requests");
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice);
        var list = page.Locator("#schedule-rows");
        await using var reads = await HeldRequests.StartAsync(page, "/api/schedules");

        // The view's read is overtaken by one for a schedule the feed announced, which is refused: the
        // view's own read answers, and the user is not told of the other's failure.
        await page.ClickAsync("nav button[data-view=schedules]");
        var shown = await reads.NextAsync("the view's read");
        await ScheduleRequests.CreateAsync(alice, "first");
        await (await reads.NextAsync("the read for the schedule the feed announced")).RefuseAsync();
        await shown.AnswerAsync();
        await Assertions.Expect(list).ToHaveAttributeAsync("data-answered", "2");
        await AssertNoAlertAsync(browser, page);

        // The same for a button's read.
        await ScheduleRequests.CreateAsync(alice, "second");
        await (await reads.NextAsync("the read for the second schedule")).AnswerAsync();
        await Assertions.Expect(page.Locator("#schedule-rows tr")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause schedule first" }).ClickAsync();
        var paused = await reads.NextAsync("the read after the pause");
        await ScheduleRequests.CreateAsync(alice, "third");
        await (await reads.NextAsync("the read for the third schedule")).RefuseAsync();
        await paused.AnswerAsync();
        await Assertions.Expect(list).ToHaveAttributeAsync("data-answered", "5");
        await AssertNoAlertAsync(browser, page);

        // A button whose own read fails tells the user.
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause schedule second" }).ClickAsync();
        await (await reads.NextAsync("the read after the second pause")).RefuseAsync();
        await Eventually.TrueAsync(() => browser.Alerts(page).Count > 0, TimeSpan.FromSeconds(10), "an alert for the refused read");
        Assert.Equal(["Too Many Requests"], browser.Alerts(page));
        Assert.All(browser.ConsoleErrors, error => Assert.Contains("status of 429", error, StringComparison.Ordinal));
    }

    /// <summary>Asserts that <paramref name="page"/> has shown no alert, once what it was doing has run (an alert blocks its scripts).</summary>
    private static async Task AssertNoAlertAsync(DashboardBrowser browser, IPage page)
    {
        await page.EvaluateAsync("() => new Promise(resolve => setTimeout(resolve, 0))");
        Assert.Empty(browser.Alerts(page));
    }

    /// <summary>A tab signed in as alice on <paramref name="view"/> (<c>batches</c> or <c>schedules</c>), its list read.</summary>
    private static async Task<IPage> ViewAsync(DashboardBrowser browser, Uri gateway, string view)
    {
        var page = await browser.SignedInTabAsync(gateway, TestTokens.Alice);
        await page.RunAndWaitForResponseAsync(() => page.ClickAsync($"nav button[data-view={view}]"), response => new Uri(response.Url).AbsolutePath == $"/api/{view}");
        return page;
    }

    /// <summary>A time as the page shows it (the browser's locale and zone).</summary>
    private static Task<string> ShownTimeAsync(IPage page, DateTimeOffset at) =>
        page.EvaluateAsync<string>("value => new Date(value).toLocaleString()", at.ToString("o", CultureInfo.InvariantCulture));
}
