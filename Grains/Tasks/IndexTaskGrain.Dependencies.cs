namespace OrleansTasks.Tasks;

/// <summary>
/// Dependency chains and followers. A task with dependencies starts out <c>waiting</c> and
/// registers with each dependency; a dependency that ends tells its followers with a one-way call,
/// repeated with each tick of its lease until they acknowledge. The waiting task also asks its
/// dependencies again at each tick of its own lease, so neither side relies on one message.
/// </summary>
public sealed partial class IndexTaskGrain : ITaskFollower
{
    public const int MaxDependencies = 100;

    /// <summary>Refuses dependencies that are unknown, another owner's, repeated or this task itself; nothing is stored.</summary>
    private async Task CheckDependenciesAsync(StartIndexTask request)
    {
        var dependencies = request.Dependencies;
        if (dependencies.Length > MaxDependencies)
        {
            throw new InvalidTaskRequestException("depends_on", $"A task may depend on at most {MaxDependencies} tasks.");
        }

        if (dependencies.Contains(TaskId))
        {
            throw new InvalidTaskRequestException("depends_on", "A task cannot depend on itself.");
        }

        if (dependencies.Distinct().Count() != dependencies.Length)
        {
            throw new InvalidTaskRequestException("depends_on", "'depends_on' lists a task more than once.");
        }

        var found = await Task.WhenAll(dependencies.Select(id => GrainFactory.GetGrain<IIndexTaskGrain>(id).GetSnapshot()));
        for (var i = 0; i < dependencies.Length; i++)
        {
            // Another user's task is answered like an unknown one, so ids cannot be probed.
            if (found[i] is not { } dependency || dependency.OwnerId != request.OwnerId)
            {
                throw new InvalidTaskRequestException("depends_on", $"Task {dependencies[i]} does not exist.");
            }
        }
    }

    public async Task<IndexTaskSnapshot?> AddDependant(Guid dependant)
    {
        if (!S.Accepted)
        {
            return null;
        }

        var follower = GrainFactory.GetGrain<IIndexTaskGrain>(dependant).GetGrainId();
        if (!S.Status.IsTerminal() && !S.Followers.Contains(follower))
        {
            await SaveAsync(next => next.Followers = [.. next.Followers, follower]);
        }

        return _published ?? BuildSnapshot();
    }

    public async Task Acknowledge(GrainId follower)
    {
        if (!S.FollowersToNotify.Contains(follower))
        {
            return;
        }

        try
        {
            await SaveAsync(next => next.FollowersToNotify = [.. next.FollowersToNotify.Where(f => f != follower)]);
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
        if (Retired)
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
        foreach (var dependency in S.AwaitedDependencies)
        {
            IndexTaskSnapshot? snapshot;
            try
            {
                snapshot = await GrainFactory.GetGrain<IIndexTaskWorker>(dependency).AddDependant(TaskId);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                Log.DependencyUnreachable(logger, exception, TaskId, dependency);
                continue;
            }

            if (snapshot is null || snapshot.IsTerminal)
            {
                await OnDependencyEndedAsync(dependency, snapshot);
            }

            if (S.Status != IndexTaskStatus.Waiting)
            {
                return;
            }
        }
    }

    /// <summary>Takes in the end of a dependency (<paramref name="final"/> null when it no longer exists); a repeat is a no-op.</summary>
    private async Task OnDependencyEndedAsync(Guid dependency, IndexTaskSnapshot? final)
    {
        if (S.Status != IndexTaskStatus.Waiting || !S.AwaitedDependencies.Contains(dependency) || Retired)
        {
            return;
        }

        await CommitAsync(next =>
        {
            next.AwaitedDependencies = [.. next.AwaitedDependencies.Where(id => id != dependency)];
            switch (final?.Status)
            {
                case IndexTaskStatus.Completed when WaitingMessage(next) is { } stillWaiting:
                    next.Message = stillWaiting;
                    break;
                case IndexTaskStatus.Completed:
                    next.Status = IndexTaskStatus.Pending;
                    next.Message = TaskMessages.Queued;
                    break;
                case IndexTaskStatus.Cancelled:
                    next.Status = IndexTaskStatus.Cancelled;
                    next.CancelledBy = CancelledBy.Dependency(dependency);
                    next.Message = TaskMessages.DependencyCancelled(dependency);
                    next.FinishedAt = time.GetUtcNow();
                    break;
                default:
                    next.Status = IndexTaskStatus.Failed;
                    next.Error = final is null ? TaskErrors.DependencyMissing(dependency) : TaskErrors.DependencyFailed(dependency);
                    next.Message = next.Error.Message;
                    next.FinishedAt = time.GetUtcNow();
                    break;
            }
        });

        Log.DependencyEnded(logger, TaskId, dependency, final?.Status.ToWireName() ?? "missing", S.Status.ToWireName());
        if (S.Status.IsTerminal())
        {
            await EndAsync();
        }
        else if (S.Status == IndexTaskStatus.Pending)
        {
            ScheduleNextBatch();
        }
        else
        {
            ScheduleStartTimer();
        }
    }

    /// <summary>Tells every follower that has not acknowledged yet that this task has ended.</summary>
    private void NotifyFollowers()
    {
        if (_published is not { IsTerminal: true } final)
        {
            return;
        }

        foreach (var follower in S.FollowersToNotify)
        {
            GrainFactory.GetGrain<ITaskFollower>(follower).OnTaskEnded(final).Ignore();
        }
    }

    /// <summary>Hands every published change to the task's batch, which rolls it up; best effort.</summary>
    private void ForwardToBatch(IndexTaskSnapshot snapshot)
    {
        if (S.BatchId is { } batchId)
        {
            var batch = GrainFactory.GetGrain<IBatchGrain>(batchId).GetGrainId();
            GrainFactory.GetGrain<ITaskFollower>(batch).OnTaskChanged(snapshot).Ignore();
        }
    }
}
