namespace OrleansTasks.Hosting;

/// <summary>A call tried until it succeeds: waits of 1 s doubling up to <see cref="MaxWait"/> between attempts.</summary>
public static class PersistentCall
{
    public static readonly TimeSpan FirstWait = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Calls <paramref name="call"/> until it completes; after each failure, <paramref name="failed"/>
    /// hears the attempt's number (from 1), the failure and the wait before the next attempt. Ends
    /// without a call when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static async Task RunAsync(Func<Task> call, TimeProvider time, Action<int, Exception, TimeSpan> failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(failed);
        var wait = FirstWait;
        for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (Exception failure) when (!cancellationToken.IsCancellationRequested)
            {
                failed(attempt, failure, wait);
            }

            try
            {
                await Task.Delay(wait, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxWait.Ticks));
        }
    }
}
