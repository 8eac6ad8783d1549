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
/// The dashboard on the task feed, in headless Chromium: tabs left open and never reloaded follow
/// tasks, schedules and other users' tasks created elsewhere, on one socket each, without console errors.
/// </summary>
public sealed partial class DashboardLiveTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Appearance = TimeSpan.FromSeconds(1);

    private readonly GatewayFactory _gateway = new(services: services => services.AddFaultInjection());

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Tasks_created_over_rest_appear_within_a_second_in_two_open_tabs_and_are_followed_to_their_end()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var browser = await DashboardBrowser.LaunchAsync();

        // Live from sign-in on, with nothing running.
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice, prepare: RowAppearance.RecordAsync);
        var other = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice, prepare: RowAppearance.RecordAsync);
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(0);

        var created = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var (taskId, asked) = await RowAppearance.AskAsync(() => TaskRequests.CreateAsync(alice, TaskRequests.Body(400, collection: "live")));
            await AssertAppearsAsync(page, taskId, asked, $"task {i + 1}");
            await AssertAppearsAsync(other, taskId, asked, $"task {i + 1}, in the second tab");
            created.Add(taskId);
        }

        foreach (var tab in new[] { page, other })
        {
            foreach (var taskId in created)
            {
                var row = tab.Locator(Row(taskId));
                await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
                await Assertions.Expect(row.Locator("progress")).ToHaveAttributeAsync("value", "100");
                await Assertions.Expect(row.Locator("td.counts")).ToHaveTextAsync("400/400");
                await Assertions.Expect(row.Locator("td.rate")).ToHaveTextAsync(DocsPerSecond());
            }

            // The newest first, and the counts in the header follow.
            var order = await tab.Locator("#task-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)");
            Assert.Equal(created.AsEnumerable().Reverse().Select(id => id.ToString()), order);
            await Assertions.Expect(tab.Locator("#task-counts button[data-status=completed]")).ToHaveAttributeAsync("data-count", "3");
        }

        // A running task shows its speed and time left, and a cancel in the other tab reaches this one.
        _gateway.Services.GetRequiredService<FaultPlan>().PaceIndex("slow", TimeSpan.FromMilliseconds(100));
        var running = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2_000, collection: "slow"));
        var runningRow = page.Locator(Row(running));
        await Assertions.Expect(runningRow.Locator("td.status")).ToHaveTextAsync("processing", new() { Timeout = 10_000 });
        await Assertions.Expect(runningRow.Locator("td.rate")).ToHaveTextAsync(RateAndTimeLeft(), new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#task-counts button[data-status=processing]")).ToHaveAttributeAsync("data-count", "1");
        await other.Locator(Row(running)).GetByRole(AriaRole.Button, new() { Name = $"Cancel task {running}" }).ClickAsync();
        await Assertions.Expect(runningRow.Locator("td.status")).ToHaveTextAsync("cancelled", new() { Timeout = 15_000 });
        await Assertions.Expect(runningRow.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#task-counts button[data-status=cancelled]")).ToHaveAttributeAsync("data-count", "1");

        // A task is shared by its address; the details follow it on the task's own socket while open.
        var shared = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice, $"/dashboard/#/tasks/{created[0]}");
        await Assertions.Expect(shared.Locator("#details dd[data-fact=Task]")).ToHaveTextAsync(created[0].ToString());
        await Assertions.Expect(shared.Locator("#details dd[data-fact=Status]")).ToHaveTextAsync("completed");
        await Assertions.Expect(shared.Locator("#details-rows tr")).ToHaveCountAsync(50);
        await page.Locator(Row(created[1])).GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"#/tasks/{created[1]}$"));
        await Assertions.Expect(page.Locator("#details dd[data-fact=Task]")).ToHaveTextAsync(created[1].ToString());

        // One socket per tab for the list, whatever it shows.
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(other));
        Assert.Empty(browser.ConsoleErrors);
    }

    /// <summary>A schedule's task, with the priority, retry policy and time limit each run takes.</summary>
    private static JsonObject Template()
    {
        var task = TaskRequests.Body(20, collection: "nightly");
        task["priority"] = "low";
        task["retry"] = new JsonObject { ["max_attempts"] = 2, ["initial_interval"] = "PT5S" };
        task["timeout"] = "PT1H";
        return task;
    }

    private static async Task<Guid> CreateScheduleAsync(HttpClient client, string name, JsonObject task)
    {
        using var response = await client.PostAsJsonAsync("/api/schedules", new JsonObject { ["name"] = name, ["task"] = task, ["cron"] = "0 4 * * *" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("schedule_id").GetGuid();
    }

    [Fact]
    public async Task A_schedule_run_started_elsewhere_shows_in_the_open_schedules_view_and_task_list()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        using var response = await alice.PostAsJsonAsync("/api/schedules", new JsonObject
        {
            ["name"] = "nightly",
            ["task"] = Template(),
            ["cron"] = "0 3 * * *",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var scheduleId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("schedule_id").GetGuid();

        // Schedules whose runs take the silo's default time limit, and none at all, say which.
        var withDefault = await CreateScheduleAsync(alice, "weekly", TaskRequests.Body(1, collection: "weekly"));
        var unlimitedTask = TaskRequests.Body(1, collection: "monthly");
        unlimitedTask["timeout"] = "none";
        var unlimited = await CreateScheduleAsync(alice, "monthly", unlimitedTask);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice, prepare: RowAppearance.RecordAsync);

        // The schedules view, open, shows the run as it starts.
        await page.ClickAsync("nav button[data-view=schedules]");
        var schedule = page.Locator($"tr[data-schedule-id='{scheduleId}']");
        await Assertions.Expect(schedule.Locator("td.runs")).ToHaveTextAsync("0 runs, 0 skipped");
        await Assertions.Expect(schedule.Locator("td.template")).ToHaveTextAsync("low priority · retry: at most 2 attempts · first wait PT5S · time limit: PT1H");
        await Assertions.Expect(page.Locator($"tr[data-schedule-id='{withDefault}'] td.template")).ToContainTextAsync("time limit: silo default");
        await Assertions.Expect(page.Locator($"tr[data-schedule-id='{unlimited}'] td.template")).ToContainTextAsync("time limit: none");
        var first = await RunNowAsync(alice, scheduleId);
        await Assertions.Expect(schedule.Locator($"td.last-run a[data-task-id='{first}']")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Assertions.Expect(schedule.Locator("td.runs")).ToHaveTextAsync("1 run, 0 skipped");

        // The task list, open, shows the next run at the top.
        await page.ClickAsync("nav button[data-view=tasks]");
        await Assertions.Expect(page.Locator(Row(first))).ToBeVisibleAsync();
        var (second, asked) = await RowAppearance.AskAsync(() => RunNowAsync(alice, scheduleId));
        await AssertAppearsAsync(page, second, asked, "the schedule's run, started by run-now");
        await Assertions.Expect(page.Locator("#task-rows tr").First).ToHaveAttributeAsync("data-task-id", second.ToString());
        await Assertions.Expect(page.Locator(Row(second)).Locator("td.status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });

        // Its last run links to the task's details.
        await page.ClickAsync("nav button[data-view=schedules]");
        await schedule.Locator("td.last-run a").ClickAsync();
        await Assertions.Expect(page.Locator("#details dd[data-fact=Schedule]")).ToHaveTextAsync(scheduleId.ToString());
        await Assertions.Expect(page.Locator("#details dd[data-fact=Task]")).ToHaveTextAsync(second.ToString());
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task An_admin_with_everyones_on_sees_another_users_new_task_appear()
    {
        using var bob = _gateway.CreateHttpClient(TestTokens.Bob);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Admin, prepare: RowAppearance.RecordAsync);
        await page.CheckAsync("#filter-everyone");
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#task-counts")).ToBeVisibleAsync();

        var (taskId, asked) = await RowAppearance.AskAsync(() => TaskRequests.CreateAsync(bob, TaskRequests.Body(30, collection: "bobs")));
        await AssertAppearsAsync(page, taskId, asked, "bob's task on the admin's page");
        var row = page.Locator(Row(taskId));
        await Assertions.Expect(row.Locator("td.id")).ToContainTextAsync("bobs · bob");
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#task-counts button[data-status=completed]")).ToHaveAttributeAsync("data-count", "1");

        // Back to the admin's own tasks: bob's is not among them.
        await page.UncheckAsync("#filter-everyone");
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#task-counts button[data-status=completed]")).ToHaveAttributeAsync("data-count", "0");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(0);
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task A_user_on_an_older_page_is_told_of_new_tasks_and_shown_them_at_the_top_on_a_click()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body([.. Enumerable.Range(0, 25).Select(i => BatchRequests.Task($"t{i}", 2))]));
        await BatchRequests.WaitForEndAsync(alice, batchId);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice);
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(20);
        await page.ClickAsync("#older");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(5);
        // The notice counts what the feed delivers: a task created before the feed is live is not on it.
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");

        var first = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2));
        await Assertions.Expect(page.Locator("#new-tasks")).ToHaveTextAsync("1 new task");
        var second = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2));
        await Assertions.Expect(page.Locator("#new-tasks")).ToHaveTextAsync("2 new tasks");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(5);

        await page.ClickAsync("#new-tasks");
        await Assertions.Expect(page.Locator("#page-number")).ToHaveTextAsync("page 1");
        await Assertions.Expect(page.Locator("#new-tasks")).ToBeHiddenAsync();
        var order = await page.Locator("#task-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)");
        Assert.Equal([second.ToString(), first.ToString()], order.Take(2));
        Assert.Equal(20, order.Length);
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task A_user_on_an_older_page_is_told_of_the_tasks_created_while_the_feed_was_cut()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var tab = await FinishedTasksTabAsync(alice, 25, onSecondPage: true);
        var (link, browser, page) = tab;
        var before = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2));
        await Assertions.Expect(page.Locator("#new-tasks")).ToHaveTextAsync("1 new task");

        // The page's connections drop, and its attempts to reconnect wait, while two tasks are created and
        // end: with the test's feed socket sent their ends, the page's next socket is sent no change of
        // theirs, and only the read-back can tell of them.
        await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        var whileCut = await watcher.WhileCutAsync(link, page, async () =>
        {
            Guid[] created = [await TaskRequests.CreateAsync(alice, TaskRequests.Body(2)), await TaskRequests.CreateAsync(alice, TaskRequests.Body(2))];
            foreach (var taskId in created)
            {
                await TaskRequests.WaitForEndAsync(alice, taskId);
            }

            return created;
        }, created => [.. created.Select(taskId => FeedWatcher.ForTask(taskId, "completed"))]);
        link.Restore();

        // Live again: the notice counts them with the one it knew, and the page shown stays.
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#new-tasks")).ToHaveTextAsync("3 new tasks", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#page-number")).ToHaveTextAsync("page 2");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(5);

        await page.ClickAsync("#new-tasks");
        await Assertions.Expect(page.Locator("#page-number")).ToHaveTextAsync("page 1");
        await Assertions.Expect(page.Locator("#new-tasks")).ToBeHiddenAsync();
        var order = await page.Locator("#task-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)");
        Assert.Equal([whileCut[1].ToString(), whileCut[0].ToString(), before.ToString()], order.Take(3));
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task A_task_created_elsewhere_appears_only_when_it_matches_the_filters_of_the_page_shown()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice, prepare: RowAppearance.RecordAsync);
        var wanted = "wanted-" + Guid.NewGuid().ToString("N")[..8];
        await page.FillAsync("#filter-collection", wanted);
        await page.ClickAsync("#task-filters button[type=submit]");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");

        // Every change of the other task has been published once it has ended.
        var other = await TaskRequests.CreateAsync(alice, TaskRequests.Body(3, collection: "other-" + wanted));
        await TaskRequests.WaitForEndAsync(alice, other);
        var (matching, asked) = await RowAppearance.AskAsync(() => TaskRequests.CreateAsync(alice, TaskRequests.Body(3, collection: wanted)));
        await AssertAppearsAsync(page, matching, asked, "the matching task");
        await Assertions.Expect(page.Locator(Row(matching)).Locator("td.status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        Assert.Equal(0, await page.Locator(Row(other)).CountAsync());
        Assert.True(await page.Locator("#new-tasks").IsHiddenAsync(), "a task the filters leave out was announced as new");

        // With the filter cleared, the list holds both.
        await page.FillAsync("#filter-collection", "");
        await page.ClickAsync("#task-filters button[type=submit]");
        await Assertions.Expect(page.Locator(Row(other))).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(Row(matching))).ToHaveCountAsync(1);
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Empty(browser.ConsoleErrors);
    }

    private static string Row(Guid taskId) => $"tr[data-task-id='{taskId}']";

    /// <summary>
    /// Asserts that the page listed <paramref name="taskId"/>'s row within <see cref="Appearance"/> of
    /// sending the request that created it (<paramref name="asked"/>): the product's time is no longer.
    /// </summary>
    private async Task AssertAppearsAsync(IPage page, Guid taskId, RowAppearance.Asked asked, string what)
    {
        var (appeared, timings) = await RowAppearance.AfterAsync(page, taskId, asked);
        output.WriteLine($"{what}: {timings}");
        Assert.True(appeared < Appearance, $"{what}: {timings}: not within {Appearance.TotalMilliseconds:0} ms of sending the request");
    }

    private static async Task<Guid> RunNowAsync(HttpClient client, Guid scheduleId)
    {
        using var run = await client.PostAsync($"/api/schedules/{scheduleId}/run", null);
        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        return (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
    }

    [GeneratedRegex(@"^[\d,.]+ docs/s$")]
    private static partial Regex DocsPerSecond();

    [GeneratedRegex(@"^[\d,.]+ docs/s · \d+( min \d+)? s left$")]
    private static partial Regex RateAndTimeLeft();
}
