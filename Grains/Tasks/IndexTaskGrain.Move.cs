using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Placement;

namespace OrleansTasks.Tasks;

/// <summary>
/// A pending task granted a slot on another silo than its own, which is full, moves there: its activation
/// migrates once idle, with that silo as the placement hint of this one migration only, and the new
/// activation asks for the slot held for it there. A stopping silo moves its tasks the same way
/// (<see cref="StoppingSiloHandOn"/>); they ask for a slot where they land.
/// </summary>
public sealed partial class IndexTaskGrain : IGrainMigrationParticipant
{
    // Set once this activation has started to move: a move sent again while it goes changes nothing.
    private bool _moving;

    // Set when this activation came in a move: its live predecessor handed it over, so no zombie can be taking it.
    private bool _handedOver;

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext) => _handedOver = true;

    public Task MoveTo(string silo)
    {
        ArgumentException.ThrowIfNullOrEmpty(silo);
        if (!S.Accepted || S.Status.IsTerminal() || _task.Retired)
        {
            return Wake();
        }

        var here = ServiceProvider.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        if (here.ToParsableString() == silo)
        {
            // Already there (moved, or reactivated there): it asks for the slot now.
            Continue();
            return Task.CompletedTask;
        }

        var target = SiloAddress.FromParsableString(silo);
        if (_moving || ServiceProvider.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.GetSiloStatus(target) != SiloStatus.Active)
        {
            return Task.CompletedTask;
        }

        // The hint is set for the migration call alone: it captures the request context now, and it is removed
        // before anything else this turn calls could be placed by it.
        RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
        try
        {
            MigrateOnIdle();
            _moving = true;
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }

        if (admission.Draining)
        {
            Log.HandedOn(logger, TaskId, silo);
        }
        else
        {
            Log.Moving(logger, TaskId, silo);
            telemetry.Moved();
        }

        return Task.CompletedTask;
    }
}
