namespace OrleansTasks.Tasks;

/// <summary>A stopping silo's side of admission: it offers no more slots and says which tasks it still has (see <see cref="StoppingSiloHandOn"/>).</summary>
public sealed partial class TaskAdmission
{
    // Set once the silo has begun to stop: it reports no slots, so the queue grants none here.
    private bool _draining;

    // Told of each task granted a slot here after the drain began (a grant the queue made before it heard of the drain).
    private Action<Guid>? _startedWhileDraining;

    /// <summary>True once the silo has begun to stop and hand its tasks on.</summary>
    public bool Draining
    {
        get
        {
            lock (_lock)
            {
                return _draining;
            }
        }
    }

    /// <summary>The slots this silo offers the queue: none once it drains.</summary>
    private int Slots => _draining ? 0 : Capacity;

    /// <summary>
    /// The silo stops: the queue hears at once that it has no slots, and <paramref name="startedWhileDraining"/> is told of
    /// each task that takes a slot here from now on, granted before the queue heard.
    /// </summary>
    public void Drain(Action<Guid> startedWhileDraining)
    {
        lock (_lock)
        {
            _draining = true;
            _startedWhileDraining = startedWhileDraining;
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

    /// <summary>The tasks waiting here for a slot.</summary>
    public IReadOnlyList<Guid> WaitingHere()
    {
        lock (_lock)
        {
            return [.. _waiting.Keys];
        }
    }

    private void TellStartedWhileDraining(IEnumerable<Guid> started)
    {
        Action<Guid>? tell;
        lock (_lock)
        {
            tell = _startedWhileDraining;
        }

        foreach (var taskId in started)
        {
            tell?.Invoke(taskId);
        }
    }
}
