using Microsoft.Playwright;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The dashboard across a gateway restart, in headless Chromium against a cluster on PostgreSQL.</summary>
public sealed class DashboardReconnectTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_dashboard_shows_the_lost_connection_reconnects_by_itself_and_shows_what_changed_meanwhile()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1, new Dictionary<string, string?> { ["Tasks:LeasePeriod"] = "00:00:05" });
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);

        // The task keeps processing, its first slice waiting, until the gateway is down.
        await using var hold = await DocumentWriteHold.TakeAsync(database);
        var taskId = await TaskRequests.CreateAsync(http, TaskRequests.Body(2_000, words: 50));

        // Production has no users: sign in by pasting a token, as with an identity provider. A resync
        // or reload tried while the gateway is down or starting may fail with a warning; what the rows
        // show afterwards is checked below.
        await using var browser = await DashboardBrowser.LaunchAsync("Failed to fetch|HTTP 503|Service Unavailable");
        var page = await browser.SignedInTabAsync(cluster.GatewayAddress, TestTokens.Alice);
        var row = page.Locator($"tr[data-task-id='{taskId}']");
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("processing", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#task-counts button[data-status=processing]")).ToHaveAttributeAsync("data-count", "1");
        var errorsBefore = browser.ConsoleErrors.Count;

        // The task ends while the gateway is down: the page cannot hear of it.
        await cluster.Gateway.KillAsync();
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        await hold.ReleaseAsync();
        await using (var client = await cluster.ConnectClientAsync())
        {
            await Eventually.TrueAsync(
                "the task to complete while the gateway is down",
                async () => (await client.Client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot())?.Status == IndexTaskStatus.Completed,
                TimeSpan.FromSeconds(120));
        }

        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("processing");
        cluster.StartGateway();

        // Back: live again, and the row and counts read back as they are now, the page never reloaded.
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("completed", new() { Timeout = 10_000 });
        await Assertions.Expect(row.Locator("td.counts")).ToHaveTextAsync("2000/2000");
        await Assertions.Expect(row.Locator("progress")).ToHaveAttributeAsync("value", "100");
        await Assertions.Expect(page.Locator("#task-counts button[data-status=completed]")).ToHaveAttributeAsync("data-count", "1");
        await Assertions.Expect(page.Locator("#task-counts button[data-status=processing]")).ToHaveAttributeAsync("data-count", "0");

        // And it goes on following new work.
        var next = await TaskRequests.CreateAsync(http, TaskRequests.Body(20));
        await Assertions.Expect(page.Locator($"tr[data-task-id='{next}'] td.status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));

        // No errors but the browser's own reports of the connections refused while the gateway was down or starting,
        // and of a request (a count, a resync) the kill cut off before its answer.
        var errors = browser.ConsoleErrors;
        Assert.Empty(errors.Take(errorsBefore));
        var unexpected = errors.Skip(errorsBefore)
            .Where(error => !System.Text.RegularExpressions.Regex.IsMatch(error, "ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|WebSocket connection to .* failed|status of 503"))
            .ToList();
        Assert.True(unexpected.Count == 0, "console errors besides those of the gateway's outage:\n" + string.Join('\n', unexpected));
    }
}
