using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The counts in the dashboard's header, in headless Chromium, when they lag behind the feed: a task's
/// change is published before its history row is written (on PostgreSQL by a group commit moments
/// later), so the counts read on the change may not show it. The test answers that read with the
/// counts as they were, then lets the real ones through, as a history row written just after; or holds
/// it until later reads have answered, as a slow answer does.
/// </summary>
public sealed class DashboardCountsTests : IAsyncLifetime
{
    private const string Collection = "counted";
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2.5);

    private readonly GatewayFactory _gateway = new(services: services => services.AddFaultInjection());
    private readonly Lock _lock = new();
    private long _lastRead = Stopwatch.GetTimestamp();
    private string? _lastAnswer;
    private string? _stale;
    private int _staleAnswers;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task The_last_tasks_end_reaches_the_counts_although_the_read_on_that_change_came_before_its_history_row()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        _gateway.Services.GetRequiredService<FaultPlan>().PaceIndex(Collection, TimeSpan.FromMilliseconds(500));
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice);
        await page.RouteAsync("**/api/tasks/counts*", AnswerCountsAsync);

        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2_000, collection: Collection));
        var row = page.Locator($"tr[data-task-id='{taskId}']");
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("processing", new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#task-counts button[data-status=processing]")).ToHaveAttributeAsync("data-count", "1");

        // Nothing more to read: the counts are right, and read last a while ago.
        await Eventually.TrueAsync(() => ReadQuietFor() >= Quiet, TimeSpan.FromSeconds(15), $"no counts read for {Quiet.TotalSeconds} s");
        lock (_lock)
        {
            _stale = _lastAnswer;
        }

        Assert.NotNull(_stale);
        using var cancel = await alice.PostAsync($"/api/tasks/{taskId}/cancel", null);
        Assert.True(cancel.IsSuccessStatusCode, $"cancel answered {(int)cancel.StatusCode}");
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("cancelled", new() { Timeout = 15_000 });
        await Eventually.TrueAsync(() => StaleAnswers() == 1, TimeSpan.FromSeconds(10), "the counts read on the cancellation (answered as before it)");

        await Assertions.Expect(page.Locator("#task-counts button[data-status=cancelled]")).ToHaveAttributeAsync("data-count", "1", new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#task-counts button[data-status=processing]")).ToHaveAttributeAsync("data-count", "0");
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task A_counts_read_answered_after_later_ones_does_not_take_back_what_they_showed()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice);
        var counts = page.Locator("#task-counts");
        var completed = counts.Locator("button[data-status=completed]");
        await Assertions.Expect(completed).ToHaveAttributeAsync("data-count", "0");

        // The read on the task's first change is held; the later ones (on its end, and once changes stop) pass.
        await using var reads = await HeldRequests.StartAsync(page, "/api/tasks/counts");
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(2));
        var first = await reads.NextAsync("the counts read on the task's first change");
        reads.PassOn();
        await TaskRequests.WaitForEndAsync(alice, taskId);
        await Assertions.Expect(completed).ToHaveAttributeAsync("data-count", "1", new() { Timeout = 15_000 });
        await Eventually.TrueAsync(() => reads.QuietFor >= Quiet, TimeSpan.FromSeconds(15), $"no counts read for {Quiet.TotalSeconds} s");
        var answered = int.Parse((await counts.GetAttributeAsync("data-answered"))!, CultureInfo.InvariantCulture);

        // It answers last, with the counts as they were before the task.
        await first.AnswerAsync("""{"waiting":0,"pending":0,"processing":0,"completed":0,"failed":0,"cancelled":0,"total":0}""");
        await Assertions.Expect(counts).ToHaveAttributeAsync("data-answered", (answered + 1).ToString(CultureInfo.InvariantCulture));
        Assert.Equal("1", await completed.GetAttributeAsync("data-count"));
        Assert.Empty(browser.ConsoleErrors);
    }

    /// <summary>Passes the counts through, but once stale is set answers one read with the counts as they were.</summary>
    private async Task AnswerCountsAsync(IRoute route)
    {
        string? stale;
        lock (_lock)
        {
            _lastRead = Stopwatch.GetTimestamp();
            stale = _stale;
            _stale = null;
            _staleAnswers += stale is null ? 0 : 1;
        }

        if (stale is not null)
        {
            await route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = stale });
            return;
        }

        var response = await route.FetchAsync();
        var answer = await response.TextAsync();
        lock (_lock)
        {
            _lastAnswer = answer;
        }

        await route.FulfillAsync(new() { Response = response });
    }

    private TimeSpan ReadQuietFor()
    {
        lock (_lock)
        {
            return Stopwatch.GetElapsedTime(_lastRead);
        }
    }

    private int StaleAnswers()
    {
        lock (_lock)
        {
            return _staleAnswers;
        }
    }
}
