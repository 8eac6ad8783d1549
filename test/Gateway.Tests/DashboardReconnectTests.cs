using Microsoft.Playwright;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The dashboard across a gateway restart, in headless Chromium against a cluster on PostgreSQL.</summary>
public sealed class DashboardReconnectTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_dashboard_shows_the_lost_connection_and_reconnects_by_itself_when_the_gateway_comes_back()
    {
        var chromium = SystemDependencies.Chromium();
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1, new Dictionary<string, string?> { ["Tasks:LeasePeriod"] = "00:00:05" });
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);

        // The task keeps processing, its first slice waiting, until the gateway is down.
        await using var hold = await DocumentWriteHold.TakeAsync(database);
        var taskId = await TaskRequests.CreateAsync(http, TaskRequests.Body(2_000, words: 50));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();

        // Production has no users: sign in by pasting a token, as with an identity provider.
        await page.GotoAsync(new Uri(cluster.GatewayAddress, "/dashboard/").ToString());
        await page.ClickAsync("#sign-in summary");
        await page.FillAsync("#pasted-token", TestTokens.Alice);
        await page.ClickAsync("#sign-in button[type=submit]");
        var row = page.Locator($"tr[data-task-id='{taskId}']");
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("processing", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");

        await cluster.Gateway.KillAsync();
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        var progressWhileDown = await row.Locator("td.counts").TextContentAsync();
        await hold.ReleaseAsync();
        cluster.StartGateway();

        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", new System.Text.RegularExpressions.Regex("live|idle"), new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("completed", new() { Timeout = 120_000 });
        await Assertions.Expect(row.Locator("td.counts")).ToHaveTextAsync("2000/2000");
        Assert.NotEqual("2000/2000", progressWhileDown);
    }
}
