using Microsoft.Playwright;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The dashboard when the feed's worker cannot start (its script blocked, as a proxy or an extension
/// might): the page reads the feed on its own thread instead, says so once in a warning, and is live.
/// </summary>
public sealed class DashboardWorkerFallbackTests : IAsyncLifetime
{
    private const string Warning = "The feed worker could not be loaded";

    private readonly GatewayFactory _gateway = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task With_the_worker_script_blocked_the_badge_goes_live_and_a_created_task_appears()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var browser = await DashboardBrowser.LaunchAsync(Warning);
        var warnings = new List<string>();
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice, prepare: tab =>
        {
            tab.Console += (_, message) =>
            {
                if (message.Text.Contains(Warning, StringComparison.Ordinal))
                {
                    lock (warnings)
                    {
                        warnings.Add(message.Text);
                    }
                }
            };
            return tab.Context.RouteAsync("**/feed-worker.js", route => route.AbortAsync());
        });

        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(50));
        await Assertions.Expect(page.Locator($"tr[data-task-id='{taskId}'] td.status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));
        lock (warnings)
        {
            Assert.Single(warnings);
        }

        // The only errors are the browser's own report of the blocked script.
        Assert.All(browser.ConsoleErrors, error => Assert.Matches("feed-worker\\.js|ERR_FAILED", error));
    }
}
