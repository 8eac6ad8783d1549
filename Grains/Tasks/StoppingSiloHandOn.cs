using Microsoft.Extensions.Logging;

namespace OrleansTasks.Tasks;

/// <summary>
/// A stopping silo hands its tasks on to the other active silos before Orleans closes its stream agents: each moves
/// (<see cref="IIndexTaskWorker.MoveTo"/>), writing its exact position on the way, and asks for a slot where it lands,
/// running there at once when one is free. Orleans deactivates grains only late in a stop, after the stream agents have
/// closed, and one still delivering to the client of a gateway that vanished held that close for 30 s while a task ran
/// on where it was. The silo also drains (<see cref="TaskAdmission.Drain"/>): it offers the queue no more slots, and a
/// task granted a slot here all the same (before the queue heard) is told to move as it starts. The stop waits for the
/// running tasks to leave for at most <see cref="Patience"/>; one still here then is handed on when Orleans deactivates
/// it, as is every task of the last silo (by its lease, when a silo starts).
/// </summary>
public sealed partial class StoppingSiloHandOn(
    TaskAdmission admission, IGrainFactory grains, IClusterMembershipService membership, ILocalSiloDetails silo, ILogger<StoppingSiloHandOn> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Just above the stage whose stop closes the stream agents, so that it stops before it.</summary>
    public const int Stage = ServiceLifecycleStage.Active + 1;

    /// <summary>How long the stop waits for its running tasks to leave.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    // A task told to move and still here after this is told again, toward the next silo: a move is refused when its
    // target stopped meanwhile (several silos stop together), or when the call reached an activation on its way out.
    private static readonly TimeSpan Retell = TimeSpan.FromSeconds(1);

    private int _next;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StoppingSiloHandOn), Stage, _ => Task.CompletedTask, HandOnAsync);

    private async Task HandOnAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || Others().Count == 0)
        {
            return;
        }

        admission.Drain(taskId => Tell(taskId, Others()));
        var told = new Dictionary<Guid, DateTimeOffset>();
        var started = DateTimeOffset.UtcNow;
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(Patience);
        try
        {
            do
            {
                var others = Others();
                if (others.Count == 0)
                {
                    // Every other silo stops too: the tasks left here are handed on as they deactivate.
                    break;
                }

                var now = DateTimeOffset.UtcNow;
                foreach (var taskId in admission.RunningHere().Concat(admission.WaitingHere()))
                {
                    if (!told.TryGetValue(taskId, out var at) || now - at >= Retell)
                    {
                        told[taskId] = now;
                        Tell(taskId, others);
                    }
                }

                await Task.Delay(Poll, patience.Token);
            }
            while (admission.RunningHere().Count > 0);

            HandedOn(logger, told.Count, (DateTimeOffset.UtcNow - started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            StillHere(logger, admission.RunningHere().Count, told.Count, Patience);
        }
    }

    private void Tell(Guid taskId, List<string> others)
    {
        if (others.Count > 0)
        {
            var target = others[(int)((uint)Interlocked.Increment(ref _next) % others.Count)];
            grains.GetGrain<IIndexTaskWorker>(taskId).MoveTo(target).Ignore();
        }
    }

    private List<string> Others() =>
        [.. membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active && !member.SiloAddress.Equals(silo.SiloAddress))
            .Select(member => member.SiloAddress.ToParsableString())];

    [LoggerMessage(1, LogLevel.Information, "Silo stopping: no task runs here any more; {Count} tasks were told to move, in {Milliseconds:F0} ms")]
    private static partial void HandedOn(ILogger logger, int count, double milliseconds);

    [LoggerMessage(2, LogLevel.Warning, "Silo stopping: {Running} tasks still run here after {Patience} ({Told} told to move); they are handed on as they deactivate")]
    private static partial void StillHere(ILogger logger, int running, int told, TimeSpan patience);
}
