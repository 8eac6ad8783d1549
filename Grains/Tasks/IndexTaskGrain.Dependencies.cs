namespace OrleansTasks.Tasks;

/// <summary>
/// Dependency chains and followers. A task with dependencies starts out <c>waiting</c> and
/// registers with each dependency; a dependency that ends tells its followers with a one-way call,
/// repeated with each tick of its lease until they acknowledge. The waiting task also asks its
/// dependencies again at each tick of its own lease, so neither side relies on one message.
/// </summary>
public sealed partial class IndexTaskGrain : ITaskFollower
{
    public async Task<IndexTaskSnapshot?> AddDependant(Guid dependant)
    {
        if (!S.Accepted)
        {
            return null;
        }

        var follower = _followers.TaskGrainId(dependant);
        if (!S.Status.IsTerminal() && !S.Followers.Contains(follower))
        {
            await _task.SaveAsync(next => next.Followers = [.. next.Followers, follower]);
        }

        return _task.Published ?? _task.Snapshot();
    }

    public async Task Acknowledge(GrainId follower)
    {
        if (!S.FollowersToNotify.Contains(follower))
        {
            return;
        }

        try
        {
            await _task.SaveAsync(next => next.FollowersToNotify = [.. next.FollowersToNotify.Where(f => f != follower)]);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The follower is told again at the next lease tick and acknowledges again.
            Log.AcknowledgementNotSaved(logger, exception, TaskId);
        }
    }

    public async Task OnTaskEnded(IndexTaskSnapshot final)
    {
        ArgumentNullException.ThrowIfNull(final);
        if (_task.Retired)
        {
            // The next activation hears of it again: from the dependency, or by asking at its lease tick.
            return;
        }

        await OnDependencyEndedAsync(final.TaskId, final);
        GrainFactory.GetGrain<IIndexTaskWorker>(final.TaskId).Acknowledge(this.GetGrainId()).Ignore();
    }

    public Task OnTaskChanged(IndexTaskSnapshot snapshot) => Task.CompletedTask;

    /// <summary>Asks every awaited dependency for its state, registering with it on the way.</summary>
    private async Task CheckAwaitedDependenciesAsync()
    {
        await foreach (var (dependency, final) in _followers.EndedDependenciesAsync(TaskId, [.. S.AwaitedDependencies]))
        {
            await OnDependencyEndedAsync(dependency, final);
            if (S.Status != IndexTaskStatus.Waiting)
            {
                return;
            }
        }
    }

    /// <summary>Takes in the end of a dependency (<paramref name="final"/> null when it no longer exists); a repeat is a no-op.</summary>
    private async Task OnDependencyEndedAsync(Guid dependency, IndexTaskSnapshot? final)
    {
        if (S.Status != IndexTaskStatus.Waiting || !S.AwaitedDependencies.Contains(dependency) || _task.Retired)
        {
            return;
        }

        await _task.CommitAsync(next => TaskTransitions.DependencyEnded(next, dependency, final, time.GetUtcNow()));
        Log.DependencyEnded(logger, TaskId, dependency, final?.Status.ToWireName() ?? "missing", S.Status.ToWireName());
        Continue();
    }

    /// <summary>Tells every follower that has not acknowledged yet that this task has ended.</summary>
    private void NotifyFollowers()
    {
        if (_task.Published is { IsTerminal: true } final)
        {
            _followers.NotifyEnd(final, S.FollowersToNotify);
        }
    }
}
