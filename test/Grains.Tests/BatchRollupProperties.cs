using CsCheck;
using OrleansTasks.Batches;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A batch's roll-up for any order and repetition of its tasks' events: at every moment it equals
/// the roll-up of each task's newest event delivered so far, and once every task's end has arrived,
/// the roll-up of the tasks' ends — whatever arrived late, twice or not at all in between.
/// </summary>
public sealed class BatchRollupProperties
{
    private static readonly Gen<IndexTaskStatus> Ends = Gen.OneOf(
        IndexTaskStatus.Completed, IndexTaskStatus.Completed, IndexTaskStatus.Failed, IndexTaskStatus.Cancelled);

    /// <summary>Each task's history: its progress steps and how it ends.</summary>
    private static readonly Gen<(int[] Steps, IndexTaskStatus End)[]> Batches =
        Gen.Select(Gen.Int[0, 30].Array[1, 12], Ends).Array[1, 8];

    [Fact]
    public void The_rollup_follows_the_newest_event_of_each_task_in_any_order() =>
        Gen.Select(Batches, Gen.Int[0, 10_000].Array[0, 120]).Sample((batch, picks) =>
        {
            var histories = batch.Select((task, index) => HistoryOf(Guid.CreateVersion7(), task.Steps, task.End)).ToArray();
            var tracked = histories.Select((history, index) => GroupTask.From(history[0], $"t{index}") with { Seq = 0, Status = IndexTaskStatus.Pending }).ToList();
            var newest = histories.Select(_ => (IndexTaskSnapshot?)null).ToArray();

            // Events arrive in any order and any number of times, then each task's end (told until acknowledged).
            var arrivals = picks.Select(pick => (Task: pick % histories.Length, Event: pick / histories.Length % 1000))
                .Select(a => (a.Task, Snapshot: histories[a.Task][a.Event % histories[a.Task].Length]))
                .Concat(histories.Select((history, task) => (Task: task, Snapshot: history[^1])));
            foreach (var (task, snapshot) in arrivals)
            {
                BatchTasks.Track(tracked, GroupTask.From(snapshot));
                if (newest[task] is not { } held || (!held.IsTerminal && snapshot.Seq > held.Seq))
                {
                    newest[task] = snapshot;
                }

                Assert.Equal(
                    TaskGroupProgress.Of([.. newest.Select((s, i) => s is null ? tracked[i] : GroupTask.From(s, $"t{i}"))]),
                    TaskGroupProgress.Of(tracked));
            }

            Assert.Equal(TaskGroupProgress.Of([.. histories.Select(h => GroupTask.From(h[^1]))]), TaskGroupProgress.Of(tracked));
            Assert.Equal(histories.Select((_, i) => $"t{i}"), tracked.Select(t => t.Ref));
        }, iter: 2_000);

    private static IndexTaskSnapshot[] HistoryOf(Guid taskId, int[] steps, IndexTaskStatus end)
    {
        var history = new IndexTaskSnapshot[steps.Length + 1];
        var progress = 0;
        for (var i = 0; i < steps.Length; i++)
        {
            progress = Math.Min(99, progress + steps[i]);
            history[i] = TaskSnapshots.At(taskId, i + 1, progress);
        }

        history[^1] = TaskSnapshots.At(taskId, steps.Length + 1, end == IndexTaskStatus.Completed ? 100 : progress, end);
        return history;
    }
}
