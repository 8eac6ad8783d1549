namespace OrleansTasks.Benchmarks.Servers;

/// <summary>
/// A publisher's run at a set rate for a set time: how many events it owes at each tick of its
/// timer (a timer tick can come late, and a rate above the timer's can owe several).
/// </summary>
public sealed class PublishingPace(TimeProvider time, int eventsPerSecond, TimeSpan duration)
{
    private readonly long _startedAt = time.GetTimestamp();
    private long _counted;

    /// <summary>Publishes the events owed now, one after another; false once the run is over.</summary>
    public async Task<bool> PublishOwedAsync(Func<Task> publishNext)
    {
        ArgumentNullException.ThrowIfNull(publishNext);
        var elapsed = time.GetElapsedTime(_startedAt);
        if (elapsed >= duration)
        {
            return false;
        }

        var owed = (long)(elapsed.TotalSeconds * eventsPerSecond) + 1 - _counted;
        _counted += owed;
        for (var i = 0; i < owed; i++)
        {
            await publishNext();
        }

        return true;
    }
}
