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

    public static async Task MoveAsync(IClusterClient client, IAddressable grain, SiloAddress target)
    {
        ArgumentNullException.ThrowIfNull(grain);
        try
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
            await grain.AsReference<IGrainManagementExtension>().MigrateOnIdle();
        }
        finally
        {
            RequestContext.Clear();
        }

        await Eventually.TrueAsync(
            $"{grain.GetGrainId()} to be active on {target}",
            async () => await HostOfAsync(client, grain) is { } host && host.Equals(target),
            TimeSpan.FromSeconds(60));
    }
}
