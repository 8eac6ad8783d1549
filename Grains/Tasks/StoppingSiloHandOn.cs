using Microsoft.Extensions.Logging;

namespace OrleansTasks.Tasks;

/// <summary>
/// A stopping silo hands the tasks it runs on to the other active silos first, before any other part of its stop: each task
/// moves (<see cref="IIndexTaskWorker.MoveTo"/>), writing its exact position on the way, and resumes there at once. Orleans
/// deactivates grains only late in a stop, after the stream agents have closed, and one still delivering to the client
/// of a gateway that vanished held that close for 30 s while the task ran on where it was. The silo also drains
/// (<see cref="TaskAdmission.Drain"/>): the queue grants no slot here any more and moves the tasks waiting here to free
/// slots elsewhere. A task not gone within <see cref="Patience"/> is handed on when Orleans deactivates it, as before.
/// </summary>
public sealed partial class StoppingSiloHandOn(
    TaskAdmission admission, IGrainFactory grains, IClusterMembershipService membership, ILocalSiloDetails silo, ILogger<StoppingSiloHandOn> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Just above the stage whose stop closes the stream agents, so that it stops first.</summary>
    public const int Stage = ServiceLifecycleStage.Active + 1;

    /// <summary>How long the stop waits for its tasks to leave.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StoppingSiloHandOn), Stage, _ => Task.CompletedTask, HandOnAsync);

    private async Task HandOnAsync(CancellationToken cancellationToken)
    {
        var others = membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active && !member.SiloAddress.Equals(silo.SiloAddress))
            .Select(member => member.SiloAddress.ToParsableString())
            .ToList();
        if (others.Count == 0)
        {
            // The last silo: its tasks write their position as they deactivate and resume by their leases when a silo starts.
            return;
        }

        admission.Drain();
        var told = new HashSet<Guid>();
        var started = DateTimeOffset.UtcNow;
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(Patience);
        try
        {
            // Again until none runs here: a task granted a slot here just before the queue heard of the drain starts here still.
            while (admission.RunningHere() is { Count: > 0 } running)
            {
                foreach (var taskId in running.Where(told.Add))
                {
                    var target = others[told.Count % others.Count];
                    grains.GetGrain<IIndexTaskWorker>(taskId).MoveTo(target).Ignore();
                }

                await Task.Delay(Poll, patience.Token);
            }

            if (told.Count > 0)
            {
                HandedOn(logger, told.Count, others.Count, (DateTimeOffset.UtcNow - started).TotalMilliseconds);
            }
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            StillHere(logger, admission.RunningHere().Count, Patience);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Silo stopping: {Count} running tasks handed on to {Silos} other silos in {Milliseconds:F0} ms")]
    private static partial void HandedOn(ILogger logger, int count, int silos, double milliseconds);

    [LoggerMessage(2, LogLevel.Warning, "Silo stopping: {Count} tasks still run here after {Patience}; they hand on as they deactivate")]
    private static partial void StillHere(ILogger logger, int count, TimeSpan patience);
}
