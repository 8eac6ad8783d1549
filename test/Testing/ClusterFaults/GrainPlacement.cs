using Orleans.Core.Internal;
using Orleans.Runtime.Placement;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// Puts a grain's activation on a chosen silo, as Orleans' own test cluster does: the grain is
/// asked to migrate when idle, with the target silo as the placement hint (its state goes with it).
/// </summary>
public static class GrainPlacement
{
    public static async Task<SiloAddress?> HostOfAsync(IClusterClient client, IAddressable grain) =>
        await client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);

    /// <summary>
    /// Asks the grain to move to <paramref name="target"/> until it is active there: a migration can be
    /// refused, or a call can reactivate the grain elsewhere first, so the request is repeated every few seconds.
    /// </summary>
    public static async Task MoveAsync(IClusterClient client, IAddressable grain, SiloAddress target)
    {
        ArgumentNullException.ThrowIfNull(grain);
        var asked = DateTime.MinValue;
        await Eventually.TrueAsync(
            $"{grain.GetGrainId()} to be active on {target}",
            async () =>
            {
                if (await HostOfAsync(client, grain) is { } host && host.Equals(target))
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
            TimeSpan.FromMinutes(2));
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
            RequestContext.Clear();
        }
    }
}
