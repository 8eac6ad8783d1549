using Microsoft.Playwright;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The read-back after the feed reconnects when the header's counts are refused.</summary>
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
}
