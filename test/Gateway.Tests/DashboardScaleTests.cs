using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The dashboard of a user with 1,000 tasks running at once, in headless Chromium: the list is drawn a
/// few times a second, the page's main thread stays under 20 % busy, it holds one WebSocket, and the
/// rows shown end at the newest change of their tasks.
/// The page is driven at the worst case the coalescing allows: every task changing
/// <c>Tasks:FeedProgressPerSecond</c> (2) times a second, 2,000 messages a second for the page
/// (<see cref="OwnerFeedPacer"/> publishes the changes on the owner's feed, as the tasks' grains do).
/// The tasks' own index writes are paced at one every 10 s each, which keeps all of them running
/// while leaving more of the 2 cores the process shares with Chromium to the feed; what they publish
/// themselves is older than the paced changes and dropped by the feed (on 2026-12-03, paced at one
/// every 2 s the page received fewer than 1,600 messages a second in three of six runs, load average
/// 12–31; at 10 s in one of six, load average 14–38). What the busy share is shown at is what the
/// page's script was handed, not what was offered (the gateway coalesces a slow socket's changes per
/// task, the page's worker those the page has not yet taken): the test requires at least
/// <see cref="MinReceivedPerSecond"/> changes a second handed to the page in the window (counted by
/// the page's feed in the badge's <c>data-received</c>); the frames the worker's socket received are
/// reported beside them.
/// <para>
/// "Busy" is gated on what the main thread did, read with Chromium's performance metrics (CDP
/// <c>Performance.getMetrics</c>): its CPU time (<c>ThreadTime</c>) under 20 % of the window, and its
/// long tasks (the performance API's <c>longtask</c> entries, the work that makes a page unresponsive)
/// under 20 % of it. The wall time spent in tasks (<c>TaskDuration</c>) is reported but not gated: on
/// this shared machine a task waiting for a core counts as busy, so it rose to 19.6 % with 4.9 % CPU
/// time at load average 17 on 2026-12-03. The window is 30 s so that a few seconds of load elsewhere
/// weigh less. BENCHMARKS.md gives the figures.
/// </para>
/// <para>
/// A long task's duration is wall time too, so the test runs alone: beside another test class in CI
/// the long tasks took 21.4 % of the window while the main thread's CPU time was 3.6 % and its wall
/// time in tasks 41.1 % (2026-12-03).
/// </para>
/// </summary>
[Collection(LoadCollection.Name)]
public sealed class DashboardScaleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Tasks = 1_000;
    private const string Collection = "thousand";
    private const int ChangesPerSecond = 2;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IndexPace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The feed changes a second the page must be handed for its busy share to count: 60 % of the worst
    /// case. On a loaded machine fewer arrive (1,430 a second was seen, the page's main thread 8.7 %
    /// busy): the gateway coalesces a slow socket's changes per task, as the protocol allows.
    /// </summary>
    private const double MinReceivedPerSecond = Tasks * ChangesPerSecond * 0.6;

    private readonly GatewayFactory _gateway = new(
        new Dictionary<string, string?> { ["Tasks:MaxRunningPerSilo"] = Tasks.ToString(CultureInfo.InvariantCulture) },
        services: services => services.AddFaultInjection());

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // A thousand tasks each waiting out a paced write would outlast the silo's shutdown timeout.
        _gateway.Services.GetRequiredService<FaultPlan>().LiftPaces();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task With_1000_running_tasks_the_list_draws_a_few_times_a_second_on_one_socket_and_the_main_thread_stays_under_20_percent_busy()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.Alice);
        _gateway.Services.GetRequiredService<FaultPlan>().PaceIndex(Collection, IndexPace);
        var created = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Tasks), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
            created.Add(await TaskRequests.CreateAsync(alice, TaskRequests.Body(100, collection: Collection, words: 10))));
        await Eventually.TrueAsync(
            $"all {Tasks} tasks processing",
            async () => (await alice.GetFromJsonAsync<JsonElement>("/api/tasks/counts")).GetProperty("processing").GetInt32() == Tasks,
            TimeSpan.FromSeconds(300));

        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(_gateway.BaseAddress, TestTokens.Alice);
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(20);
        await Assertions.Expect(page.Locator("#task-counts button[data-status=processing]")).ToHaveAttributeAsync("data-count", Tasks.ToString(CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Performance.enable");
        await page.EvaluateAsync("() => { window.longTasks = 0; new PerformanceObserver(list => { for (const entry of list.getEntries()) window.longTasks += entry.duration; }).observe({ type: 'longtask' }); }");

        var running = (await Task.WhenAll(created.Select(id => _gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IIndexTaskGrain>(id).GetSnapshot())))
            .Select(snapshot => TaskSummary.From(snapshot!)).ToList();
        // The pacer runs until the window's last figures are read, however late a loaded machine reads them.
        using var stopPacing = new CancellationTokenSource();
        var pacing = OwnerFeedPacer.RunAsync(_gateway.Services.GetRequiredService<IClusterClient>(), running, ChangesPerSecond, stopPacing.Token);
        await Task.Delay(Warmup);

        var before = await MetricsAsync(cdp);
        var drawsBefore = await DrawsAsync(page);
        var messagesBefore = browser.MessagesReceived(page);
        var handedBefore = await HandedAsync(page);
        var longTasksBefore = await page.EvaluateAsync<double>("() => window.longTasks");
        await Task.Delay(Window);
        var after = await MetricsAsync(cdp);
        var drawsAfter = await DrawsAsync(page);
        var messages = browser.MessagesReceived(page) - messagesBefore;
        var handed = await HandedAsync(page) - handedBefore;
        var longTasks = await page.EvaluateAsync<double>("() => window.longTasks") - longTasksBefore;
        await stopPacing.CancelAsync();
        var stillProcessing = (await alice.GetFromJsonAsync<JsonElement>("/api/tasks/counts")).GetProperty("processing").GetInt32();
        var paced = await pacing;

        var wall = after["Timestamp"] - before["Timestamp"];
        var busy = (after["TaskDuration"] - before["TaskDuration"]) / wall;
        var cpu = (after.GetValueOrDefault("ThreadTime", double.NaN) - before.GetValueOrDefault("ThreadTime", double.NaN)) / wall;
        var longTaskShare = longTasks / 1000 / wall;
        var drawsPerSecond = (drawsAfter - drawsBefore) / wall;
        var offered = paced.Published / paced.Elapsed.TotalSeconds;
        var received = handed / wall;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{wall:0.0} s with {stillProcessing} tasks processing at the end: main thread CPU {cpu:P1}, long tasks {longTasks:0} ms ({longTaskShare:P1}), wall time in tasks {busy:P1}, list drawn {drawsPerSecond:0.0} times a second, {received:0} changes a second handed to the page ({messages / wall:0} frames a second at its socket) of {offered:0} a second published (offered {Tasks * ChangesPerSecond}, the worst case)"));

        Assert.True(stillProcessing >= Tasks * 9 / 10, $"only {stillProcessing} tasks were still processing at the end of the window: the load was not held");
        Assert.True(offered >= MinReceivedPerSecond, $"only {offered:0} changes a second were published (offered {Tasks * ChangesPerSecond})");
        Assert.True(received >= MinReceivedPerSecond, $"the page was handed {received:0} feed changes a second, fewer than the {MinReceivedPerSecond:0} its busy share is claimed at");
        Assert.True(cpu < 0.20, $"the main thread used {cpu:P1} of a core while handed {received:0} changes a second");
        Assert.True(longTaskShare < 0.20, $"the main thread's long tasks took {longTaskShare:P1} of the time while handed {received:0} changes a second");
        Assert.True(drawsPerSecond <= 5, $"the list was drawn {drawsPerSecond:0.0} times a second");
        // Live, not a rate: on a loaded machine the page's throttle timer fires late (0.9 a second was seen in a full run).
        Assert.True(drawsPerSecond >= 0.5, $"the list was drawn {drawsPerSecond:0.0} times a second while its tasks changed");
        Assert.Equal(["/ws/tasks"], browser.OpenSockets(page));

        // The pacer has stopped: every row shown ends at its task's last paced change.
        var byId = running.ToDictionary(task => task.TaskId);
        foreach (var id in await page.Locator("#task-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(row => row.dataset.taskId)"))
        {
            var task = byId[Guid.Parse(id)];
            await Assertions.Expect(page.Locator($"tr[data-task-id='{id}'] td.counts"))
                .ToHaveTextAsync($"{OwnerFeedPacer.CurrentAfter(task, paced.Steps)}/{task.Total}", new() { Timeout = 30_000 });
        }

        // Still responsive: a task's details open at once.
        await page.Locator("#task-rows tr a").First.ClickAsync();
        await Assertions.Expect(page.Locator("#details dd[data-fact=Status]")).ToHaveTextAsync("processing");
        Assert.Empty(browser.ConsoleErrors);
    }

    private static async Task<Dictionary<string, double>> MetricsAsync(ICDPSession cdp)
    {
        var answer = await cdp.SendAsync("Performance.getMetrics");
        return answer!.Value.GetProperty("metrics").EnumerateArray()
            .ToDictionary(metric => metric.GetProperty("name").GetString()!, metric => metric.GetProperty("value").GetDouble());
    }

    private static async Task<double> HandedAsync(IPage page) =>
        double.Parse(await page.Locator("#connection").GetAttributeAsync("data-received") ?? "0", CultureInfo.InvariantCulture);

    private static async Task<double> DrawsAsync(IPage page) =>
        double.Parse(await page.Locator("#task-table").GetAttributeAsync("data-draws") ?? "0", CultureInfo.InvariantCulture);
}
