using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Core.Internal;
using Orleans.Providers;
using Orleans.Serialization.TypeSystem;

namespace OrleansTasks.Streams;

/// <summary>
/// Moves the task stream queues' grains that live on this silo but belong to another's agent since
/// the cluster changed (a silo joined, so queues were dealt anew). Placement puts a new activation
/// in the right place; an activation made before the change stays where it was until moved. The
/// move keeps the events the queue holds (Orleans migrates the queue's contents).
/// </summary>
public sealed partial class StreamQueueRehoming(
    IGrainFactory grains,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    StreamQueueOwners owners,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<StreamQueueRehoming> logger) : BackgroundService
{
    /// <summary>How often the silo compares the active silos with those its queues were last placed for, and retries a move that did not happen.</summary>
    public static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(1);

    /// <summary>How long moves are retried after a change before the silo gives up on that change (a silo that never becomes able to host the grains).</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(1);

    private static readonly string[] QueueGrainClass = [RuntimeTypeNameFormatter.Format(typeof(MemoryStreamQueueGrain))];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        HashSet<SiloAddress>? settled = null;
        HashSet<SiloAddress>? pending = null;
        var pendingSince = time.GetTimestamp();
        using var timer = new PeriodicTimer(CheckPeriod, time);
        do
        {
            var active = ActiveSilos();
            if (settled is not null && settled.SetEquals(active))
            {
                continue;
            }

            if (pending is null || !pending.SetEquals(active))
            {
                pending = active;
                pendingSince = time.GetTimestamp();
            }

            try
            {
                var misplaced = await MoveMisplacedAsync(active);
                if (misplaced == 0)
                {
                    settled = active;
                }
                else if (time.GetElapsedTime(pendingSince) > GiveUpAfter)
                {
                    Log.GaveUp(logger, misplaced, GiveUpAfter.TotalSeconds);
                    settled = active;
                }
            }
            catch (Exception failure) when (!stoppingToken.IsCancellationRequested)
            {
                Log.CheckFailed(logger, CheckPeriod.TotalSeconds, failure);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private HashSet<SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active)
            .Select(member => member.SiloAddress)
            .ToHashSet();

    private async Task<int> MoveMisplacedAsync(HashSet<SiloAddress> active)
    {
        var here = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(QueueGrainClass, [silo.SiloAddress]);
        var misplaced = 0;
        foreach (var queue in here)
        {
            if (!StreamQueueGrainKey.TryReadQueueHash(queue.GrainId, out var hash)
                || owners.OwnerOf(hash, active) is not { } owner
                || owner.Equals(silo.SiloAddress))
            {
                continue;
            }

            misplaced++;
            Log.Moving(logger, queue.GrainId, owner);
            await grains.GetGrain(queue.GrainId).Cast<IGrainManagementExtension>().MigrateOnIdle();
        }

        return misplaced;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Moving stream queue grain {Grain} to {Owner}, the silo that reads its queue")]
        public static partial void Moving(ILogger logger, GrainId grain, SiloAddress owner);

        [LoggerMessage(2, LogLevel.Warning, "Checking where this silo's stream queue grains belong failed; trying again in {Seconds} s")]
        public static partial void CheckFailed(ILogger logger, double seconds, Exception failure);

        [LoggerMessage(3, LogLevel.Warning, "{Count} stream queue grains still live on this silo though another silo reads their queues, {Seconds} s after the cluster changed; they stay until the next change")]
        public static partial void GaveUp(ILogger logger, int count, double seconds);
    }
}
