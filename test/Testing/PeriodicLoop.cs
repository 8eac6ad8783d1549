namespace OrleansTasks.Testing;

/// <summary>
/// A watcher's or sampler's loop: <c>tick</c> at once, then once a period, until <c>stop</c> is
/// cancelled; a cancelled wait ends the loop quietly, so that stopping is not an error.
/// </summary>
public static class PeriodicLoop
{
    public static async Task RunAsync(TimeSpan period, Func<Task> tick, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(period);
        do
        {
            await tick();
        }
        while (await WaitAsync(timer, stop));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
