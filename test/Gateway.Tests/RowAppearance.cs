using System.Globalization;
using Microsoft.Playwright;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// When a task's row appeared in a dashboard tab, by the page's own clock: the moment the list put it in
/// the table, and the moment the feed's worker handed the page the task's first message. Playwright's
/// own wait sees a row only after its polling and the hops between the test, its driver and the browser,
/// which on a loaded machine took longer than the dashboard did; the page's clocks time only the product.
/// Both clocks are the machine's wall clock, so they compare with the moment the test got its answer.
/// </summary>
public static class RowAppearance
{
    // Installed before the page's scripts run: the worker's messages are seen before the page takes them.
    private const string Recorder = """
        window.__rowAppeared = {};
        window.__taskDelivered = {};
        const PageWorker = window.Worker;
        window.Worker = class extends PageWorker {
          constructor(...args) {
            super(...args);
            this.addEventListener('message', ({ data }) => {
              const now = Date.now();
              for (const message of data?.messages ?? []) {
                if (message.task_id && !(message.task_id in window.__taskDelivered)) window.__taskDelivered[message.task_id] = now;
              }
            });
          }
        };
        document.addEventListener('DOMContentLoaded', () => {
          new MutationObserver(records => {
            const now = Date.now();
            for (const record of records) {
              for (const node of record.addedNodes) {
                const id = node.dataset?.taskId;
                if (id && !(id in window.__rowAppeared)) window.__rowAppeared[id] = now;
              }
            }
          }).observe(document.getElementById('task-rows'), { childList: true });
        });
        """;

    /// <summary>For <see cref="DashboardBrowser.SignedInTabAsync"/>'s <c>prepare</c>: records the tab's rows and feed messages.</summary>
    public static Task RecordAsync(IPage page) => page.AddInitScriptAsync(Recorder);

    /// <summary>
    /// Waits for <paramref name="taskId"/>'s row and answers how long after <paramref name="answered"/>
    /// (when the test got the answer that created it) the page put it in the list, with a line that
    /// says when the feed's message reached the page and when the test saw the row.
    /// </summary>
    public static async Task<(TimeSpan Appeared, string Timings)> AfterAsync(IPage page, Guid taskId, DateTimeOffset answered)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.WaitForSelectorAsync($"tr[data-task-id='{taskId}']", new() { Timeout = 10_000 });
        var seen = DateTimeOffset.UtcNow - answered;
        var id = taskId.ToString();
        var appeared = await page.EvaluateAsync<double?>("id => window.__rowAppeared[id] ?? null", id)
            ?? throw new InvalidOperationException("the page recorded no time for the row: RecordAsync was not installed on the tab");
        var delivered = await page.EvaluateAsync<double?>("id => window.__taskDelivered[id] ?? null", id);
        var start = answered.ToUnixTimeMilliseconds();
        var appearedAfter = TimeSpan.FromMilliseconds(appeared - start);
        var deliveredText = delivered is { } at ? string.Create(CultureInfo.InvariantCulture, $"{at - start:0} ms") : "never (not through the worker)";
        var timings = string.Create(CultureInfo.InvariantCulture,
            $"after the answer, the feed's message reached the page {deliveredText}, the page listed the row {appearedAfter.TotalMilliseconds:0} ms, the test saw it {seen.TotalMilliseconds:0} ms");
        return (appearedAfter, timings);
    }
}
