using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The batches and schedules views, open in headless Chromium and never reloaded, follow changes made
/// elsewhere from the feed's <c>batch</c> and <c>schedule</c> messages.
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
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice);
        await page.ClickAsync("nav button[data-view=schedules]");

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
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice);
        await page.ClickAsync("nav button[data-view=batches]");

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
}
