using System.Diagnostics;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Drives running tasks' changes on their owner's feed at a fixed rate each, as their grains publish
/// them (one document further and one <c>seq</c> higher each time), so that a page can be measured
/// at the most the feed's coalescing lets through, <c>Tasks:FeedProgressPerSecond</c> changes a second
/// per task, whatever the tasks' own indexing pace. The <c>seq</c>s start well past the tasks' own,
/// so the feeds drop what the tasks themselves publish meanwhile as older.
/// </summary>
internal static class OwnerFeedPacer
{
    private const long SeqHeadroom = 1_000_000;

    /// <summary>Publishes <paramref name="perSecond"/> changes a second of each task until <paramref name="stop"/>; answers how many it published, in how many steps and how long.</summary>
    public static async Task<PacedChanges> RunAsync(IClusterClient client, IReadOnlyList<TaskSummary> tasks, int perSecond, CancellationToken stop)
    {
        var streams = client.GetStreamProvider(TaskStreams.ProviderName);
        var owners = tasks.Select(task => task.OwnerId).Distinct().ToDictionary(owner => owner, owner => streams.GetStream<TaskSummary>(TaskStreams.ForOwner(owner)));
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / perSecond));
        var started = Stopwatch.GetTimestamp();
        var published = 0L;
        var steps = 0;
        for (var step = 1; await NextTickAsync(timer, stop); step++)
        {
            var now = DateTimeOffset.UtcNow;
            // One batch per owner and step: a thousand single publications a step fell behind here (583 a second of 2,000).
            await Task.WhenAll(tasks.GroupBy(task => task.OwnerId).Select(owned => owners[owned.Key].OnNextBatchAsync([.. owned.Select(task => Step(task, step, now))])));
            published += tasks.Count;
            steps = step;
        }

        return new PacedChanges(published, steps, Stopwatch.GetElapsedTime(started));
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The documents done that the last of <paramref name="steps"/> steps published for <paramref name="task"/>.</summary>
    public static int CurrentAfter(TaskSummary task, int steps) => Math.Min(task.Total - 1, task.Current + steps);

    private static TaskSummary Step(TaskSummary task, int step, DateTimeOffset now)
    {
        var current = CurrentAfter(task, step);
        return task with { Seq = task.Seq + SeqHeadroom + step, Current = current, Progress = current * 100 / task.Total, UpdatedAt = now };
    }
}

/// <summary>What <see cref="OwnerFeedPacer"/> published: changes in all, steps (changes of each task), and for how long.</summary>
internal readonly record struct PacedChanges(long Published, int Steps, TimeSpan Elapsed);
