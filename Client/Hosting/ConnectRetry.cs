using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>
/// Keeps the client's first connection attempts going for <see cref="OrleansTasksClientOptions.ConnectTimeout"/>
/// (silos may still be starting), one a second, then gives up with a <see cref="ClusterUnavailableException"/>
/// naming the cluster and the last failure, rather than retrying for ever or failing at the first try.
/// </summary>
internal sealed class ConnectRetry(IOptions<OrleansTasksClientOptions> options, IOptions<ClusterOptions> cluster, TimeProvider time) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);
    private readonly long _started = time.GetTimestamp();

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var timeout = options.Value.ConnectTimeout;
        var left = timeout - time.GetElapsedTime(_started);
        if (left <= TimeSpan.Zero)
        {
            throw new ClusterUnavailableException(
                $"No silo of cluster '{cluster.Value.ClusterId}' answered within {timeout.TotalSeconds:0.#} s ({OrleansTasksClientOptions.SectionName}:{nameof(OrleansTasksClientOptions.ConnectTimeout)}): {exception.Message}",
                exception);
        }

        await Task.Delay(left < Pause ? left : Pause, time, cancellationToken);
        return true;
    }
}
