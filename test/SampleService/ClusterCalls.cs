using Orleans.Runtime;

namespace SampleService;

/// <summary>
/// How a service calls the grains when a silo may die under it: a call that timed out or that the
/// cluster refused is made again with the same ids. Index tasks, batches and cancellations are
/// keyed by their id and repeat safely (starting a task or creating a batch that exists returns
/// its snapshot and changes nothing), so a retry never makes a second task.
/// </summary>
public static class ClusterCalls
{
    private const int Attempts = 6;
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="call"/>, again after a timeout or a cluster error, at most <see cref="Attempts"/> times.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, string what, Action<string> log)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception exception) when (attempt < Attempts && exception is TimeoutException or OrleansException)
            {
                log($"retry {what} after {exception.GetType().Name}");
                await Task.Delay(Pause * attempt);
            }
        }
    }
}
