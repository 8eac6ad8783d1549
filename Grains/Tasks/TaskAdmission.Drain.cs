namespace OrleansTasks.Tasks;

/// <summary>A stopping silo's side of admission: it takes no more tasks and says which it still runs (see <see cref="StoppingSiloHandOn"/>).</summary>
public sealed partial class TaskAdmission
{
    // Set once the silo has begun to stop: it reports no slots, so the queue grants none here and moves the tasks waiting here to free slots elsewhere.
    private bool _draining;

    /// <summary>The slots this silo offers the queue: none once it drains.</summary>
    private int Slots => _draining ? 0 : Capacity;

    /// <summary>The silo stops: the queue hears at once that it has no slots.</summary>
    public void Drain()
    {
        lock (_lock)
        {
            _draining = true;
            _reportDue = true;
            StartExchange();
        }
    }

    /// <summary>The tasks running here: holding a slot, or resting between attempts of a slice.</summary>
    public IReadOnlyList<Guid> RunningHere()
    {
        lock (_lock)
        {
            return [.. _holding.Keys, .. _resting.Keys];
        }
    }
}
