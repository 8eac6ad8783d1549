using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The read-back after the feed reconnects, with the page's list requests refused, answered stale or
/// held by the browser (Playwright routes) while the link to the gateway is cut and restored.
/// </summary>
public sealed partial class DashboardLiveTests
{
    private static bool IsList(string url) => new Uri(url).AbsolutePath == "/api/tasks";

    private static bool IsNewerCount(string url) => IsList(url) && url.Contains("created_from=", StringComparison.Ordinal);

    [Fact]
    public async Task A_read_back_refused_after_a_reconnect_is_tried_again_and_the_badge_is_not_live_until_it_succeeds()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var link = new CuttableProxy(_gateway.BaseAddress);
        await using var browser = await DashboardBrowser.LaunchAsync("Too Many Requests");
        var page = await browser.SignedInTabAsync(link.Address, TestTokens.Alice);
        var before = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2));
        await Assertions.Expect(page.Locator(Row(before)).Locator("td.status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });

        await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        var whileCut = await WhileCutAsync(alice, link, page, watcher, "completed", () => TaskRequests.CreateAsync(alice, TaskRequests.Body(2)));

        // The list refuses the page's reads until it has refused two.
        var refused = await RefusedReads.StartAsync(page, "/api/tasks");
        link.Restore();
        await refused.WaitForAsync(2);
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        Assert.Equal(0, await page.Locator(Row(whileCut)).CountAsync());

        // Answered again: the task created meanwhile is read back, and the badge says so.
        await refused.StopAsync();
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(Row(whileCut)).Locator("td.status")).ToHaveTextAsync("completed");
        var order = await page.Locator("#task-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)");
        Assert.Equal([whileCut.ToString(), before.ToString()], order);
        Assert.All(browser.ConsoleErrors, error => Assert.Contains("status of 429", error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_task_that_ended_while_the_feed_was_away_is_shown_ended_though_the_read_back_listed_it_as_before()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        _gateway.Services.GetRequiredService<FaultPlan>().PaceIndex("slow", TimeSpan.FromMilliseconds(100));
        await using var link = new CuttableProxy(_gateway.BaseAddress);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(link.Address, TestTokens.Alice);
        var running = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2_000, collection: "slow"));
        var row = page.Locator(Row(running));
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("processing", new() { Timeout = 10_000 });

        await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        await WhileCutAsync(alice, link, page, watcher, "cancelled", () => CancelAsync(alice, running));

        // The first read after the link is back lists the task as it was before it ended, as a read between
        // the task's published end and its history row does.
        var reads = 0;
        await page.RouteAsync(IsList, async route =>
        {
            if (Interlocked.Increment(ref reads) > 1)
            {
                await route.ContinueAsync();
                return;
            }

            var response = await route.FetchAsync();
            var body = JsonNode.Parse(await response.TextAsync())!;
            foreach (var item in body["items"]!.AsArray())
            {
                if ((string?)item!["task_id"] == running.ToString())
                {
                    item["status"] = "processing";
                    item["seq"] = 1;
                    item.AsObject().Remove("finished_at");
                }
            }

            await route.FulfillAsync(new() { Response = response, Body = body.ToJsonString() });
        });
        link.Restore();

        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("cancelled", new() { Timeout = 15_000 });
        Assert.True(Volatile.Read(ref reads) >= 2, $"the list was read {reads} times after the link came back");
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task Moving_to_another_older_page_while_the_notice_counts_keeps_the_count_read_in_one_request()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var tab = await FinishedTasksTabAsync(alice, 45, onSecondPage: true);
        var (link, browser, page) = tab;

        link.Cut();
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        foreach (var taskId in new[] { await TaskRequests.CreateAsync(alice, TaskRequests.Body(2)), await TaskRequests.CreateAsync(alice, TaskRequests.Body(2)) })
        {
            await TaskRequests.WaitForEndAsync(alice, taskId);
        }

        // The count of the tasks created meanwhile is held until the user has moved on to page 3; its
        // answer says that there are more than the one request read.
        var counts = new List<string>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(IsNewerCount, async route =>
        {
            lock (counts)
            {
                counts.Add(route.Request.Url);
            }

            await release.Task;
            var response = await route.FetchAsync();
            var body = JsonNode.Parse(await response.TextAsync())!;
            body["next_cursor"] = "more";
            await route.FulfillAsync(new() { Response = response, Body = body.ToJsonString() });
        });
        link.Restore();
        await Eventually.TrueAsync("the page to count the tasks created while the feed was away", () =>
        {
            lock (counts)
            {
                return Task.FromResult(counts.Count > 0);
            }
        }, TimeSpan.FromSeconds(60));
        await page.ClickAsync("#older");
        await Assertions.Expect(page.Locator("#page-number")).ToHaveTextAsync("page 3");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(5);
        release.SetResult();

        await Assertions.Expect(page.Locator("#new-tasks")).ToHaveTextAsync("2+ new tasks", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
        lock (counts)
        {
            var count = Assert.Single(counts);
            Assert.Contains("limit=500", count, StringComparison.Ordinal);
        }

        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task A_task_created_while_the_feed_was_away_is_at_the_top_of_the_first_page_once_it_is_back()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var tab = await FinishedTasksTabAsync(alice, 20, onSecondPage: false);
        var (link, browser, page) = tab;
        var shown = await page.Locator("#task-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)");

        await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        var whileCut = await WhileCutAsync(alice, link, page, watcher, "completed", () => TaskRequests.CreateAsync(alice, TaskRequests.Body(2)));
        link.Restore();

        // Read back: at the top, ended, the page still a page (its oldest row now on the next), and no notice.
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#task-rows tr").First).ToHaveAttributeAsync("data-task-id", whileCut.ToString(), new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator(Row(whileCut)).Locator("td.status")).ToHaveTextAsync("completed");
        var order = await page.Locator("#task-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)");
        Assert.Equal([whileCut.ToString(), .. shown.Take(19)], order);
        await Assertions.Expect(page.Locator("#page-number")).ToHaveTextAsync("page 1");
        Assert.True(await page.Locator("#new-tasks").IsHiddenAsync(), "a task shown on the first page was announced as new");
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task A_row_on_an_older_page_whose_task_was_cancelled_while_the_feed_was_away_shows_it_cancelled_once_it_is_back()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        _gateway.Services.GetRequiredService<FaultPlan>().PaceIndex("slow", TimeSpan.FromMilliseconds(100));
        var running = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2_000, collection: "slow"));
        await using var tab = await FinishedTasksTabAsync(alice, 20, onSecondPage: true, earlier: 1);
        var (link, browser, page) = tab;
        var row = page.Locator(Row(running));
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("processing", new() { Timeout = 10_000 });

        await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        await WhileCutAsync(alice, link, page, watcher, "cancelled", () => CancelAsync(alice, running));
        link.Restore();

        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("cancelled", new() { Timeout = 15_000 });
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new() { Name = $"Cancel task {running}" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#page-number")).ToHaveTextAsync("page 2");
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Empty(browser.ConsoleErrors);
    }

    /// <summary>
    /// A tab, through a link the test can cut, on <paramref name="finished"/> tasks created and ended
    /// (after <paramref name="earlier"/> the test made before), its feed live: on the first page, or on the second.
    /// </summary>
    private async Task<CutTab> FinishedTasksTabAsync(HttpClient alice, int finished, bool onSecondPage, int earlier = 0)
    {
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body([.. Enumerable.Range(0, finished).Select(i => BatchRequests.Task($"t{i}", 2))]));
        await BatchRequests.WaitForEndAsync(alice, batchId);
        var link = new CuttableProxy(_gateway.BaseAddress);
        var tab = new CutTab(link, await DashboardBrowser.LaunchAsync(), null!);
        try
        {
            var page = await tab.Browser.SignedInTabAsync(link.Address, TestTokens.Alice);
            var total = finished + earlier;
            await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(Math.Min(20, total));
            if (onSecondPage)
            {
                await page.ClickAsync("#older");
                await Assertions.Expect(page.Locator("#page-number")).ToHaveTextAsync("page 2");
                await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(Math.Min(20, total - 20));
            }

            await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
            return tab with { Page = page };
        }
        catch
        {
            await tab.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Cuts <paramref name="link"/> and, once <paramref name="page"/> is reconnecting, changes a task
    /// (<paramref name="change"/> answers which) and waits for its end and until the gateway has sent its
    /// <paramref name="status"/> to <paramref name="watcher"/>: the page's next socket is not sent it, and
    /// only a read-back can show it (see <see cref="FeedWatcher"/>). The link stays cut.
    /// </summary>
    private static Task<Guid> WhileCutAsync(HttpClient alice, CuttableProxy link, IPage page, FeedWatcher watcher, string status, Func<Task<Guid>> change) =>
        watcher.WhileCutAsync(link, page, async () =>
        {
            var taskId = await change();
            await TaskRequests.WaitForEndAsync(alice, taskId);
            return taskId;
        }, taskId => [FeedWatcher.ForTask(taskId, status)]);

    private static async Task<Guid> CancelAsync(HttpClient client, Guid taskId)
    {
        using var cancel = await client.PostAsync($"/api/tasks/{taskId}/cancel", null);
        cancel.EnsureSuccessStatusCode();
        return taskId;
    }

    /// <summary>A tab through a cuttable link, and its browser.</summary>
    private sealed record CutTab(CuttableProxy Link, DashboardBrowser Browser, IPage Page) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Browser.DisposeAsync();
            await Link.DisposeAsync();
        }
    }
}
