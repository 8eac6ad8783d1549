namespace OrleansTasks.Gateway.Tests;

/// <summary>The dashboard's rule for offering Retry, run in the browser on tasks as <c>GET /api/tasks/{id}</c> shows them.</summary>
public sealed partial class RetryApiTests
{
    [Fact]
    public async Task The_dashboard_offers_no_retry_for_an_ended_task_with_nothing_left_but_does_for_a_source_task()
    {
        gateway.StartServer();
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.NewTabAsync(gateway.BaseAddress);

        var offered = await page.EvaluateAsync<bool[]>("""
            async () => {
              const { retryable } = await import('/dashboard/format.js');
              const task = (status, current, failed, more = {}) => ({ status, current, total: 10, counts: { failed }, ...more });
              return [
                task('cancelled', 10, 0),
                task('failed', 10, 0),
                task('completed', 10, 0),
                task('cancelled', 4, 0),
                task('failed', 10, 2),
                task('completed', 10, 2),
                task('cancelled', 10, 0, { source: { directory: '/srv/docs', pattern: '*.md' } }),
                task('cancelled', 4, 0, { retried_by: 'b8a0f0c4-0000-4000-8000-000000000000' }),
                task('processing', 4, 0),
              ].map(retryable);
            }
            """);

        Assert.Equal([false, false, false, true, true, true, true, false, false], offered);
        Assert.Empty(browser.ConsoleErrors);
    }
}
