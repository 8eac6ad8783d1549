using System.Globalization;
using Microsoft.Playwright;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// When a task's row appeared in a dashboard tab, by the page's own clock: the moment the list put it in
/// the table, and the moment the feed's worker handed the page the task's first message. Playwright's
/// own wait sees a row only after its polling and the hops between the test, its driver and the browser,
/// which on a loaded machine took longer than the dashboard did; the page's clocks time only the product.
/// Both clocks are the machine's wall clock, so they compare with the moments the test sent the request
/// that created the task and read its answer.
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
    /// Runs <paramref name="request"/> (one that creates a task) and answers what it answered, with the
    /// moment just before it was sent and the moment its answer was read: the product's part of the time
    /// a row took to appear lies within the first, and all of it after the second.
    /// </summary>
    public static async Task<(T Answer, Asked Asked)> AskAsync<T>(Func<Task<T>> request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sent = DateTimeOffset.UtcNow;
        var answer = await request();
        return (answer, new Asked(sent, DateTimeOffset.UtcNow));
    }

    /// <summary>
    /// Waits for <paramref name="taskId"/>'s row and answers how long after the request that created it
    /// was sent (an upper bound of the product's time) the page put it in the list, with a line that also
    /// says it from the answer, when the feed's message reached the page, and when the test saw the row.
    /// </summary>
    public static async Task<(TimeSpan AfterSent, string Timings)> AfterAsync(IPage page, Guid taskId, Asked asked)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.WaitForSelectorAsync($"tr[data-task-id='{taskId}']", new() { Timeout = 10_000 });
        var seen = DateTimeOffset.UtcNow - asked.Sent;
        var id = taskId.ToString();
        var appeared = await page.EvaluateAsync<double?>("id => window.__rowAppeared[id] ?? null", id)
            ?? throw new InvalidOperationException("the page recorded no time for the row: RecordAsync was not installed on the tab");
        var delivered = await page.EvaluateAsync<double?>("id => window.__taskDelivered[id] ?? null", id);
        var sent = asked.Sent.ToUnixTimeMilliseconds();
        var answered = (asked.Answered - asked.Sent).TotalMilliseconds;
        var afterSent = TimeSpan.FromMilliseconds(appeared - sent);
        var deliveredText = delivered is { } at ? string.Create(CultureInfo.InvariantCulture, $"{at - sent:0} ms") : "never (not through the worker)";
        var timings = string.Create(CultureInfo.InvariantCulture,
            $"after the request was sent: answered {answered:0} ms, the feed's message reached the page {deliveredText}, the page listed the row {afterSent.TotalMilliseconds:0} ms ({afterSent.TotalMilliseconds - answered:0} ms after the answer), the test saw it {seen.TotalMilliseconds:0} ms");
        return (afterSent, timings);
    }

    /// <summary>When a request was sent and when its answer was read, by the machine's wall clock.</summary>
    public readonly record struct Asked(DateTimeOffset Sent, DateTimeOffset Answered);
}
