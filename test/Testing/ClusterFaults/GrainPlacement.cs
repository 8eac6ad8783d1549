using Orleans.Core.Internal;
using Orleans.Runtime.Placement;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// Puts a grain's activation on a chosen silo with Orleans' own placement hint
/// (<see cref="IPlacementDirector.PlacementHintKey"/> in the request context), which every built-in
/// director (random, resource-optimized, activation-count, prefer-local, hash-based) returns before
/// its own choice when the hinted silo is compatible: for a new grain, on the call that activates it;
/// for a live one, through <c>MigrateOnIdle</c>, which places the grain again with the caller's request
/// context and hands its state over, as Orleans' test cluster does (<c>TestCluster.MigrateAsync</c>).
/// Where a grain is, is asked of the silos' catalogs, never of a directory cache: a cache may still
/// name the silo a grain has just left.
/// </summary>
public static class GrainPlacement
{
    /// <summary>
    /// The silo whose catalog holds the grain's activation; null when none does, or more than one
    /// (a migration between its two halves).
    /// </summary>
    public static async Task<SiloAddress?> HostOfAsync(IClusterClient client, IAddressable grain)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(grain);
        var id = grain.GetGrainId();
        var holders = (await client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Where(activation => activation.GrainId.Equals(id))
            .Select(activation => activation.SiloAddress)
            .Distinct()
            .ToList();
        return holders.Count == 1 ? holders[0] : null;
    }

    /// <summary>
    /// Waits until a new grain given <paramref name="target"/> as its placement hint is put there three
    /// times in a row: a silo counted active in the membership table is not yet a placement target for a
    /// silo that has not learnt of it (its membership view or its cluster manifest), which then places the
    /// grain elsewhere. Each probe activates an empty schedule grain, which writes nothing.
    /// </summary>
    public static async Task WaitUntilPlaceableAsync(IClusterClient client, SiloAddress target, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(client);
        var inARow = 0;
        var last = "none yet";
        try
        {
            await Eventually.TrueAsync($"new grains hinted to {target} to be placed there three times in a row", async () =>
            {
                var probe = client.GetGrain<IScheduleGrain>(Guid.NewGuid());
                try
                {
                    RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
                    await probe.GetSnapshot();
                }
                finally
                {
                    RequestContext.Remove(IPlacementDirector.PlacementHintKey);
                }

                var host = await HostOfAsync(client, probe);
                last = host?.ToString() ?? "no single silo";
                inARow = target.Equals(host) ? inARow + 1 : 0;
                return inARow >= 3;
            }, deadline);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}; the last probe went to {last}", timeout);
        }
    }

    /// <summary>
    /// Makes the call that activates a new grain with <paramref name="target"/> as the placement hint,
    /// then checks that the activation is there.
    /// </summary>
    public static async Task<T> ActivateOnAsync<T>(IClusterClient client, IAddressable grain, SiloAddress target, Func<Task<T>> firstCall)
    {
        ArgumentNullException.ThrowIfNull(firstCall);
        T result;
        try
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
            result = await firstCall();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }

        var host = await HostOfAsync(client, grain);
        if (!target.Equals(host))
        {
            throw new InvalidOperationException($"{grain.GetGrainId()} was activated with {target} as its placement hint, but is active on {(object?)host ?? "no single silo"}");
        }

        return result;
    }

    /// <summary>
    /// Asks the grain to move to <paramref name="target"/> until its catalog shows it there: a migration
    /// can be refused (a failed hand-over falls back to a plain deactivation, and the next call places the
    /// grain anew), so the request is repeated every few seconds while the grain is seen elsewhere.
    /// </summary>
    public static async Task MoveAsync(IClusterClient client, IAddressable grain, SiloAddress target)
    {
        ArgumentNullException.ThrowIfNull(grain);
        var asked = DateTime.MinValue;
        await Eventually.TrueAsync(
            $"{grain.GetGrainId()} to be active on {target} (and only there)",
            async () =>
            {
                var host = await HostOfAsync(client, grain);
                if (target.Equals(host))
                {
                    return true;
                }

                if (DateTime.UtcNow - asked > TimeSpan.FromSeconds(5))
                {
                    asked = DateTime.UtcNow;
                    await AskToMoveAsync(grain, target);
                }

                return false;
            },
            TimeSpan.FromMinutes(1));
    }

    private static async Task AskToMoveAsync(IAddressable grain, SiloAddress target)
    {
        try
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
            await grain.AsReference<IGrainManagementExtension>().MigrateOnIdle();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }
}
