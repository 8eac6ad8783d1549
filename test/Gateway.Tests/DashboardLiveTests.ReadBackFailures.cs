using Microsoft.Playwright;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The read-back after the feed reconnects when the header's counts are refused, when the gateway
/// refuses the user's token or an admin's "everyone's", when a read never answers, and when a later
/// read that fails overtakes it; and a socket ticket that never comes.
/// </summary>
public sealed partial class DashboardLiveTests
{
    [Fact]
    public async Task The_counts_refused_after_a_reconnect_are_read_again_and_the_badge_is_not_live_until_they_are()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var link = new CuttableProxy(_gateway.BaseAddress);
        await using var browser = await DashboardBrowser.LaunchAsync("Too Many Requests");
        var page = await browser.SignedInTabAsync(link.Address, TestTokens.Alice);
        var completed = page.Locator("#task-counts button[data-status=completed]");
        await Assertions.Expect(completed).ToHaveAttributeAsync("data-count", "0");

        await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        await WhileCutAsync(alice, link, page, watcher, "completed", () => TaskRequests.CreateAsync(alice, TaskRequests.Body(2)));

        // The counts refuse the page's reads until they have refused two; the list answers.
        var refused = await RefusedReads.StartAsync(page, "/api/tasks/counts");
        link.Restore();
        await refused.WaitForAsync(2);
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        Assert.Equal("0", await completed.GetAttributeAsync("data-count"));

        // Answered again: live only once the counts have been read back.
        await refused.StopAsync();
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        Assert.Equal("1", await completed.GetAttributeAsync("data-count"));
        Assert.All(browser.ConsoleErrors, error => Assert.Contains("status of 429", error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(401, "Unauthorized")]
    [InlineData(403, "Forbidden")]
    public async Task A_read_back_refused_for_the_users_token_is_not_tried_again_and_the_badge_says_to_sign_in_again(int status, string title)
    {
        // Starts the gateway.
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var link = new CuttableProxy(_gateway.BaseAddress);
        await using var browser = await DashboardBrowser.LaunchAsync(title);
        var page = await browser.SignedInTabAsync(link.Address, TestTokens.Alice);

        link.Cut();
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        // The tickets are still given (a token expires between two requests as well as any time).
        var refusals = 0;
        await page.RouteAsync(IsList, async route =>
        {
            Interlocked.Increment(ref refusals);
            await route.FulfillAsync(new() { Status = status, ContentType = "application/problem+json", Body = $$"""{"title":"{{title}}","status":{{status}}}""" });
        });
        link.Restore();

        var badge = page.Locator("#connection");
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-state", "offline", new() { Timeout = 30_000 });
        await Assertions.Expect(badge).ToHaveTextAsync($"offline: {title}; sign in again");
        await Eventually.TrueAsync("the page to close its feed socket", () => Task.FromResult(browser.OpenSockets(page).Count == 0), TimeSpan.FromSeconds(15));
        Assert.Equal(1, Volatile.Read(ref refusals));
        Assert.All(browser.ConsoleErrors, error => Assert.Contains($"status of {status}", error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_read_back_that_never_answers_is_given_up_and_tried_again()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var link = new CuttableProxy(_gateway.BaseAddress);
        await using var browser = await DashboardBrowser.LaunchAsync("had no answer within");
        var page = await browser.SignedInTabAsync(link.Address, TestTokens.Alice);

        await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        var whileCut = await WhileCutAsync(alice, link, page, watcher, "completed", () => TaskRequests.CreateAsync(alice, TaskRequests.Body(2)));

        // The first read of the list after the link is back is held, never answered.
        var reads = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(IsList, async route =>
        {
            if (Interlocked.Increment(ref reads) > 1)
            {
                await route.ContinueAsync();
                return;
            }

            await release.Task;
            try
            {
                await route.AbortAsync();
            }
            catch (PlaywrightException)
            {
                // The page gave the request up first.
            }
        });
        try
        {
            link.Restore();
            await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator(Row(whileCut)).Locator("td.status")).ToHaveTextAsync("completed");
            Assert.True(Volatile.Read(ref reads) >= 2, $"the list was read {reads} times after the link came back");
        }
        finally
        {
            release.SetResult();
        }

        Assert.All(browser.ConsoleErrors, error => Assert.Contains("had no answer within", error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_read_back_of_everyones_tasks_refused_to_an_admin_says_to_untick_everyones_and_unticking_follows_their_own()
    {
        using var admin = _gateway.CreateHttpClient(TestTokens.Admin);
        await using var link = new CuttableProxy(_gateway.BaseAddress);
        await using var browser = await DashboardBrowser.LaunchAsync("Admins only");
        var page = await browser.SignedInTabAsync(link.Address, TestTokens.Admin);
        await page.CheckAsync("#filter-everyone");
        var badge = page.Locator("#connection");
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });

        // The admin role withdrawn while the link is cut: everyone's tasks are refused, the admin's own are not.
        link.Cut();
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-state", "reconnecting");
        const string title = "Admins only";
        const string detail = "Only admins may list every user's tasks.";
        await page.RouteAsync(url => IsList(url) && url.Contains("scope=all", StringComparison.Ordinal), route => route.FulfillAsync(new()
        {
            Status = 403, ContentType = "application/problem+json", Body = $$"""{"title":"{{title}}","detail":"{{detail}}","status":403}""",
        }));
        link.Restore();
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-state", "offline", new() { Timeout = 30_000 });
        await Assertions.Expect(badge).ToHaveTextAsync($"offline: {title} — {detail.TrimEnd('.')}; untick \"everyone's\"");

        await page.UncheckAsync("#filter-everyone");
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        var own = await TaskRequests.CreateAsync(admin, TaskRequests.Body(2));
        await Assertions.Expect(page.Locator(Row(own))).ToBeVisibleAsync(new() { Timeout = 10_000 });
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.All(browser.ConsoleErrors, error => Assert.Contains("status of 403", error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_read_back_whose_read_of_the_page_a_later_failing_read_overtook_is_tried_again_and_the_badge_is_not_live_until_it_succeeds()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var link = new CuttableProxy(_gateway.BaseAddress);
        await using var browser = await DashboardBrowser.LaunchAsync("Too Many Requests");
        var page = await browser.SignedInTabAsync(link.Address, TestTokens.Alice);
        await using var watcher = await FeedWatcher.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        var whileCut = await WhileCutAsync(alice, link, page, watcher, "completed", () => TaskRequests.CreateAsync(alice, TaskRequests.Body(2)));
        var badge = page.Locator("#connection");

        // Twice, a read of the page after the link is back is overtaken by the user's (the filters applied
        // again), refused, and answers only then: the list shown was never read back.
        var reads = await HeldRequests.StartAsync(page, "/api/tasks");
        await using (reads)
        {
            link.Restore();
            var overtaken = await reads.NextAsync("the page's read-back");
            for (var time = 1; time <= 2; time++)
            {
                await page.ClickAsync("#task-filters button[type=submit]");
                await (await reads.NextAsync($"the user's read {time}")).RefuseAsync();
                await overtaken.AnswerAsync();
                overtaken = await reads.NextAsync($"the page's read-back, tried again after read {time} was overtaken");
                Assert.Equal("reconnecting", await badge.GetAttributeAsync("data-state"));
            }

            await overtaken.AnswerAsync();
            await Assertions.Expect(badge).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator(Row(whileCut)).Locator("td.status")).ToHaveTextAsync("completed");
        }

        // The user was told of their own reads' failures.
        Assert.Equal(["Too Many Requests", "Too Many Requests"], browser.Alerts(page));
        Assert.All(browser.ConsoleErrors, error => Assert.Contains("status of 429", error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_socket_ticket_that_never_comes_is_given_up_and_asked_for_again()
    {
        // Starts the gateway.
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var link = new CuttableProxy(_gateway.BaseAddress);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(link.Address, TestTokens.Alice);
        var badge = page.Locator("#connection");

        // The first ticket asked for once the feed has dropped is held, never answered.
        await using var tickets = await HeldRequests.StartAsync(page, "/api/ws-tickets");
        link.Cut();
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-state", "reconnecting");
        await tickets.NextAsync("the first ticket after the feed dropped");
        link.Restore();
        tickets.PassOn();

        // Given up after 20 s: the next ticket opens the feed.
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 60_000 });
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        Assert.Empty(browser.ConsoleErrors);
    }
}
