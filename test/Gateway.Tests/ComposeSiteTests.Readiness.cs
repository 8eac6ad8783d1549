using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>When the site is ready: every container healthy by its own health check and the cluster counting its silos.</summary>
public sealed partial class ComposeSiteTests
{
    /// <summary>Every container healthy by the file's own health checks, then the cluster counting <paramref name="silos"/> active silos.</summary>
    private static async Task WaitUntilReadyAsync(ComposeSite site, HttpClient http, int silos, int gateways = 2)
    {
        var health = new List<(string Service, string Health)>();
        try
        {
            await Eventually.TrueAsync($"postgres, {silos} silos, {gateways} gateways and nginx to be healthy by their health checks", async () =>
            {
                health = await site.HealthAsync();
                var ready = health.All(container => container.Health == "healthy")
                    && health.Count(container => container.Service == "silo") == silos
                    && health.Count(container => container.Service == "gateway") == gateways
                    && health.Count == silos + gateways + 2;
                if (!ready)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }

                return ready;
            }, TimeSpan.FromMinutes(4));
        }
        catch (TimeoutException timeout)
        {
            Assert.Fail($"{timeout.Message}; last seen: {string.Join(", ", health)}");
        }

        await WaitUntilTheClusterCountsAsync(site, http, silos);
    }

    /// <summary>
    /// The cluster counting <paramref name="silos"/> active silos at <c>/health/ready</c>; when it does not in time,
    /// the failure says what the endpoint last answered and what the silos and gateways last wrote.
    /// </summary>
    private static async Task WaitUntilTheClusterCountsAsync(ComposeSite site, HttpClient http, int silos)
    {
        var last = "no answer yet";
        try
        {
            await Eventually.TrueAsync($"{http.BaseAddress}health/ready to report {silos} active silos", async () =>
            {
                try
                {
                    using var response = await http.GetAsync("/health/ready");
                    last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    return last.Contains($"{silos} active silo(s)", StringComparison.Ordinal);
                }
                catch (HttpRequestException exception)
                {
                    last = exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
                    return false;
                }
            }, TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException timeout)
        {
            var logs = new List<string>();
            foreach (var container in (await site.ContainersAsync("silo")).Concat(await site.ContainersAsync("gateway")))
            {
                var lines = (await site.LogsAsync(container)).Split('\n');
                logs.Add($"--- {container}, last 40 lines:\n{string.Join('\n', lines.TakeLast(40))}");
            }

            Assert.Fail($"{timeout.Message}; it last answered: {last}\n{string.Join('\n', logs)}");
        }
    }
}
