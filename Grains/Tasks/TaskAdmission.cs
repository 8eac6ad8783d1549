using Microsoft.Extensions.Options;

namespace OrleansTasks.Tasks;

/// <summary>
/// Admission control of one silo: at most <see cref="TasksOptions.MaxRunningPerSilo"/> tasks index
/// at once; the others wait in arrival order and are woken, head first, as slots free up.
/// </summary>
public sealed class TaskAdmission(IOptions<TasksOptions> options, IGrainFactory grains)
{
    private readonly Lock _lock = new();
    private readonly HashSet<Guid> _running = [];
    private readonly List<Guid> _queue = [];

    public int Capacity => options.Value.MaxRunningPerSilo;

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running.Count;
            }
        }
    }

    /// <summary>Tasks waiting for a slot.</summary>
    public int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Takes a slot for <paramref name="taskId"/> if one is free and no earlier task waits; otherwise queues it.</summary>
    public bool TryEnter(Guid taskId)
    {
        lock (_lock)
        {
            if (_running.Contains(taskId))
            {
                return true;
            }

            var free = _running.Count < Capacity;
            var first = _queue.Count == 0 || _queue[0] == taskId;
            if (free && first)
            {
                _queue.Remove(taskId);
                _running.Add(taskId);
                return true;
            }

            if (!_queue.Contains(taskId))
            {
                _queue.Add(taskId);
            }
        }

        WakeWaiting();
        return false;
    }

    /// <summary>1 for the next task to start, or null when the task is not waiting here.</summary>
    public int? QueuePosition(Guid taskId)
    {
        lock (_lock)
        {
            var index = _queue.IndexOf(taskId);
            return index < 0 ? null : index + 1;
        }
    }

    /// <summary>Frees the task's slot or queue place and wakes the next waiting task.</summary>
    public void Leave(Guid taskId)
    {
        lock (_lock)
        {
            _running.Remove(taskId);
            _queue.Remove(taskId);
        }

        WakeWaiting();
    }

    private void WakeWaiting()
    {
        List<Guid> wake;
        lock (_lock)
        {
            wake = [.. _queue.Take(Math.Max(0, Capacity - _running.Count))];
        }

        foreach (var taskId in wake)
        {
            grains.GetGrain<IIndexTaskWorker>(taskId).Wake().Ignore();
        }
    }
}
