namespace OrleansTasks.Testing;

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            await Task.Delay(25, timeout.Token);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan? deadline = null) =>
        TrueAsync(() => Task.FromResult(condition()), deadline);

    /// <summary>Waits for <paramref name="condition"/>; a timeout names <paramref name="waitingFor"/>.</summary>
    public static async Task TrueAsync(string waitingFor, Func<Task<bool>> condition, TimeSpan? deadline = null)
    {
        try
        {
            await TrueAsync(condition, deadline);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Waited {deadline ?? TimeSpan.FromSeconds(60)} for {waitingFor}.");
        }
    }
}
