using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A gateway that has been stopped and disposed leaves nothing running that keeps it reachable
/// (a timer, a listener): in a process that starts many gateways, as a test run or a benchmark
/// does, each one stopped would otherwise stay in memory with its silo.
/// </summary>
public sealed class StoppedGatewayTests
{
    [Fact]
    public async Task A_disposed_gateway_that_served_rest_requests_becomes_unreachable()
    {
        // The first gateway of a process stays reachable for good through what process-wide statics
        // start in its execution context (Lucene's settings among them): the one measured is not the first.
        await ServeAndDisposeAsync();
        var stopped = await ServeAndDisposeAsync();

        // Each look is two full collections of the whole test process: a few a second, not forty.
        await Eventually.TrueAsync("the disposed gateway's services to be collected", async () =>
        {
            await Task.Delay(250);
            return Collected(stopped);
        }, TimeSpan.FromSeconds(30));
    }

    private static bool Collected(WeakReference<IServiceProvider> services)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return !services.TryGetTarget(out _);
    }

    private static async Task<WeakReference<IServiceProvider>> ServeAndDisposeAsync()
    {
        await using var gateway = new GatewayFactory();
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(5));
        await TaskRequests.WaitForEndAsync(alice, taskId);
        return new WeakReference<IServiceProvider>(gateway.Services);
    }
}
