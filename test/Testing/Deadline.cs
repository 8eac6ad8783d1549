namespace OrleansTasks.Testing;

/// <summary>
/// Bounded waits whose timeout says what was awaited: a <see cref="TimeoutException"/> reading
/// "Waited 00:00:30 for …" instead of a bare <see cref="TaskCanceledException"/>.
/// </summary>
public static class Deadline
{
    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="timeout"/>.</summary>
    public static async Task WaitAsync(Task task, TimeSpan timeout, string waitingFor)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            await task.WaitAsync(timeout);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw Exceeded(timeout, waitingFor);
        }
    }

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="timeout"/>.</summary>
    public static async Task<T> WaitAsync<T>(Task<T> task, TimeSpan timeout, string waitingFor)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            return await task.WaitAsync(timeout);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw Exceeded(timeout, waitingFor);
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> with a token cancelled after <paramref name="timeout"/>;
    /// a cancellation by that token becomes the timeout naming <paramref name="waitingFor"/>.
    /// </summary>
    public static async Task RunAsync(Func<CancellationToken, Task> operation, TimeSpan timeout, string waitingFor)
    {
        ArgumentNullException.ThrowIfNull(operation);
        using var deadline = new CancellationTokenSource(Clamp(timeout));
        try
        {
            await operation(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw Exceeded(timeout, waitingFor);
        }
    }

    /// <inheritdoc cref="RunAsync(Func{CancellationToken, Task}, TimeSpan, string)"/>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, TimeSpan timeout, string waitingFor)
    {
        ArgumentNullException.ThrowIfNull(operation);
        using var deadline = new CancellationTokenSource(Clamp(timeout));
        try
        {
            return await operation(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw Exceeded(timeout, waitingFor);
        }
    }

    public static TimeoutException Exceeded(TimeSpan timeout, string waitingFor) => new($"Waited {timeout} for {waitingFor}.");

    /// <summary>A deadline already past allows no wait at all rather than throwing for a negative time.</summary>
    private static TimeSpan Clamp(TimeSpan timeout) => timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout;
}
