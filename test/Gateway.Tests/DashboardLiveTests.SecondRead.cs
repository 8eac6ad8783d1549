using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The page's second read after the feed reconnects, 2 s after the read-back, for a task's end that the
/// read-back listed as before (a task publishes its end before its history row is written): the badge
/// is live once the read-back succeeded, while the second read is under way, tried again or held; a
/// second read that keeps failing sends the badge back to "reconnecting" and the page is read back again.
/// </summary>
public sealed partial class DashboardLiveTests
{
    [Fact]
    public async Task The_badge_is_live_once_the_page_is_read_back_and_before_its_second_read_answers()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var tab = await EndedWhileCutAsync(alice);
        var (page, reads, row) = (tab.Page, tab.Reads, tab.Row);

        var second = await reads.NextAsync("the page's second read");
        Assert.Equal("live", await page.Locator("#connection").GetAttributeAsync("data-state"));
        Assert.Equal("processing", await row.Locator("td.status").TextContentAsync());

        await second.AnswerAsync();
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("cancelled", new() { Timeout = 15_000 });
        Assert.Equal(["reconnecting", "live"], await BadgeStatesAsync(page));
        Assert.Empty(tab.Browser.ConsoleErrors);
    }

    [Fact]
    public async Task A_second_read_refused_after_a_reconnect_is_tried_again_with_the_badge_live()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var tab = await EndedWhileCutAsync(alice);
        var (page, reads, row) = (tab.Page, tab.Reads, tab.Row);

        await (await reads.NextAsync("the page's second read")).RefuseAsync();
        var again = await reads.NextAsync("the page's second read, tried again");
        Assert.Equal("live", await page.Locator("#connection").GetAttributeAsync("data-state"));

        await again.AnswerAsync();
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("cancelled", new() { Timeout = 15_000 });
        Assert.Equal(["reconnecting", "live"], await BadgeStatesAsync(page));
        Assert.All(tab.Browser.ConsoleErrors, error => Assert.Contains("status of 429", error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_read_that_keeps_failing_sends_the_badge_back_to_reconnecting_and_the_page_is_read_back_again()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var tab = await EndedWhileCutAsync(alice);
        var (page, reads, row) = (tab.Page, tab.Reads, tab.Row);

        // Its three tries refused: what the page shows may be stale after all.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await (await reads.NextAsync($"the page's second read, try {attempt}")).RefuseAsync();
        }

        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        await (await reads.NextAsync("the page's read-back, again")).AnswerAsync();
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("cancelled");
        await (await reads.NextAsync("the page's second read after the read-back again")).AnswerAsync();
        Assert.Equal(["reconnecting", "live", "reconnecting", "live"], await BadgeStatesAsync(page));
        Assert.All(tab.Browser.ConsoleErrors, error => Assert.Contains("status of 429", error, StringComparison.Ordinal));
    }

    /// <summary>
    /// A tab whose task, processing, was cancelled while its link was cut; the link is back, the page's
    /// reads of the list are held (<see cref="HeldRequests"/>), and the first, the read-back's, has been
    /// answered with the task as it was before it ended, with the badge then live. The badge's states
    /// from the cut on are recorded (<see cref="BadgeStatesAsync"/>).
    /// </summary>
    private async Task<EndedTab> EndedWhileCutAsync(HttpClient alice)
    {
        _gateway.Services.GetRequiredService<FaultPlan>().PaceIndex("slow", TimeSpan.FromMilliseconds(100));
        var link = new CuttableProxy(_gateway.BaseAddress);
        var tab = new EndedTab(new CutTab(link, await DashboardBrowser.LaunchAsync("Too Many Requests"), null!), null!, null!);
        try
        {
            var page = await tab.Cut.Browser.SignedInTabAsync(link.Address, TestTokens.Alice);
            var running = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2_000, collection: "slow"));
            var row = page.Locator(Row(running));
            await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("processing", new() { Timeout = 10_000 });

            await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
            await WhileCutAsync(alice, link, page, watcher, "cancelled", () => CancelAsync(alice, running));
            await RecordBadgeStatesAsync(page);
            tab = tab with { Cut = tab.Cut with { Page = page }, Reads = await HeldRequests.StartAsync(page, "/api/tasks"), Row = row };
            link.Restore();

            await (await tab.Reads.NextAsync("the page's read-back")).AnswerAsync(body => AsProcessing(body, running));
            await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
            await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("processing");
            return tab;
        }
        catch
        {
            await tab.DisposeAsync();
            throw;
        }
    }

    /// <summary>A list's body with <paramref name="taskId"/> as it was while processing, as a read before its history row was written gives it.</summary>
    private static string AsProcessing(string body, Guid taskId)
    {
        var list = JsonNode.Parse(body)!;
        foreach (var item in list["items"]!.AsArray())
        {
            if ((string?)item!["task_id"] == taskId.ToString())
            {
                item["status"] = "processing";
                item["seq"] = 1;
                item.AsObject().Remove("finished_at");
            }
        }

        return list.ToJsonString();
    }

    /// <summary>From now on, records each state the badge is set to (<see cref="BadgeStatesAsync"/>).</summary>
    private static async Task RecordBadgeStatesAsync(IPage page) => await page.EvaluateAsync("""
        () => {
          const badge = document.getElementById('connection');
          window.badgeStates = [badge.dataset.state];
          new MutationObserver(() => window.badgeStates.push(badge.dataset.state)).observe(badge, { attributes: true, attributeFilter: ['data-state'] });
        }
        """);

    /// <summary>The states the badge went through since <see cref="RecordBadgeStatesAsync"/>, each once however often it was set in a row.</summary>
    private static async Task<string[]> BadgeStatesAsync(IPage page)
    {
        var states = await page.EvaluateAsync<string[]>("() => window.badgeStates");
        return [.. states.Where((state, i) => i == 0 || state != states[i - 1])];
    }

    /// <summary>A tab through a cuttable link, its list reads held, and the row of its task that ended while the link was cut.</summary>
    private sealed record EndedTab(CutTab Cut, HeldRequests Reads, ILocator Row) : IAsyncDisposable
    {
        public IPage Page => Cut.Page;

        public DashboardBrowser Browser => Cut.Browser;

        public async ValueTask DisposeAsync()
        {
            if (Reads is not null)
            {
                await Reads.DisposeAsync();
            }

            await Cut.DisposeAsync();
        }
    }
}
