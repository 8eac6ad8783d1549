using CsCheck;
using OrleansTasks.Batches;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A batch's roll-up for any order and repetition of its tasks' events: at every moment it equals
/// the sum, computed here by hand, over each task's newest event delivered so far, and once every
/// task's end has arrived, the sum over the tasks' ends — whatever arrived late, twice or not at all
/// in between. Tasks differ in size, and a streaming task's total is unknown (0) while it counts.
/// </summary>
public sealed class BatchRollupProperties
{
    private static readonly Gen<IndexTaskStatus> Ends = Gen.OneOf(
        IndexTaskStatus.Completed, IndexTaskStatus.Completed, IndexTaskStatus.Failed, IndexTaskStatus.Cancelled);

    /// <summary>Each task's history: its total (0: an empty source), the events it spends counting, its progress steps and how it ends.</summary>
    private static readonly Gen<(int Total, int Counting, int[] Steps, IndexTaskStatus End)[]> Batches =
        Gen.Select(Gen.OneOf(Gen.Int[0, 0], Gen.Int[1, 10], Gen.Int[1, 5_000]), Gen.Int[0, 3], Gen.Int[0, 30].Array[1, 12], Ends).Array[1, 8];

    [Fact]
    public void The_rollup_is_the_sum_of_the_newest_event_of_each_task_in_any_order() =>
        Gen.Select(Batches, Gen.Int[0, 10_000].Array[0, 120]).Sample((batch, picks) =>
        {
            var histories = batch.Select(task => HistoryOf(Guid.CreateVersion7(), task.Total, task.Counting, task.Steps, task.End)).ToArray();
            var tracked = histories.Select((history, index) => GroupTask.From(history[0], $"t{index}") with { Seq = 0, Status = IndexTaskStatus.Pending }).ToList();
            var newest = tracked.ToArray();

            // Events arrive in any order and any number of times, then each task's end (told until acknowledged).
            var arrivals = picks.Select(pick => (Task: pick % histories.Length, Event: pick / histories.Length % 1000))
                .Select(a => (a.Task, Snapshot: histories[a.Task][a.Event % histories[a.Task].Length]))
                .Concat(histories.Select((history, task) => (Task: task, Snapshot: history[^1])));
            foreach (var (task, snapshot) in arrivals)
            {
                BatchTasks.Track(tracked, GroupTask.From(snapshot));
                if (!newest[task].Status.IsTerminal() && snapshot.Seq > newest[task].Seq)
                {
                    newest[task] = GroupTask.From(snapshot, $"t{task}");
                }

                Assert.Equal(SumOf(newest), TaskGroupProgress.Of(tracked));
            }

            Assert.Equal(SumOf([.. histories.Select(h => GroupTask.From(h[^1]))]), TaskGroupProgress.Of(tracked));
            Assert.Equal(histories.Select((_, i) => $"t{i}"), tracked.Select(t => t.Ref));
        }, iter: 2_000);

    /// <summary>The roll-up as docs/protocol.md states it, summed here without <see cref="TaskGroupProgress"/>.</summary>
    private static TaskGroupProgress SumOf(GroupTask[] tasks)
    {
        int Count(IndexTaskStatus status) => tasks.Count(t => t.Status == status);
        var counts = new TaskStatusCounts(
            Count(IndexTaskStatus.Pending), Count(IndexTaskStatus.Waiting), Count(IndexTaskStatus.Processing),
            Count(IndexTaskStatus.Completed), Count(IndexTaskStatus.Failed), Count(IndexTaskStatus.Cancelled));
        var current = tasks.Sum(t => t.Current);
        var total = tasks.Sum(t => t.Total);
        var unfinished = counts.Pending + counts.Waiting + counts.Processing;
        var status =
            unfinished > 0 && counts.Processing > 0 ? IndexTaskStatus.Processing
            : unfinished > 0 && counts.Pending > 0 ? IndexTaskStatus.Pending
            : unfinished > 0 ? IndexTaskStatus.Waiting
            : counts.Completed == tasks.Length ? IndexTaskStatus.Completed
            : counts.Failed > 0 ? IndexTaskStatus.Failed
            : IndexTaskStatus.Cancelled;
        var progress = status == IndexTaskStatus.Completed ? 100 : status == IndexTaskStatus.Failed ? -1 : total == 0 ? 0 : current * 100 / total;
        var documents = new TaskCounts(tasks.Sum(t => t.Counts.Indexed), tasks.Sum(t => t.Counts.Unchanged), tasks.Sum(t => t.Counts.Failed));
        return new TaskGroupProgress(status, progress, current, total, counts, documents);
    }

    /// <summary>A task's events: counting (total unknown), then progress by steps of a hundredth of its total, then its end.</summary>
    private static IndexTaskSnapshot[] HistoryOf(Guid taskId, int total, int counting, int[] steps, IndexTaskStatus end)
    {
        var history = new IndexTaskSnapshot[counting + steps.Length + 1];
        for (var i = 0; i < counting; i++)
        {
            history[i] = At(taskId, i + 1, current: 0, total: 0, progress: 0);
        }

        var done = 0;
        for (var i = 0; i < steps.Length; i++)
        {
            done = Math.Min(total, done + Math.Max(1, total * steps[i] / 100));
            history[counting + i] = At(taskId, counting + i + 1, done, total, total == 0 ? 0 : Math.Min(99, done * 100 / total));
        }

        history[^1] = end switch
        {
            IndexTaskStatus.Completed => At(taskId, history.Length, total, total, 100, end),
            IndexTaskStatus.Failed => At(taskId, history.Length, done, total, -1, end),
            _ => At(taskId, history.Length, done, total, total == 0 ? 0 : Math.Min(99, done * 100 / total), end),
        };
        return history;
    }

    /// <summary>A snapshot whose documents split as indexed, unchanged and failed in a fixed way, so that sums differ per field.</summary>
    private static IndexTaskSnapshot At(Guid taskId, long seq, int current, int total, int progress, IndexTaskStatus status = IndexTaskStatus.Processing) =>
        TaskSnapshots.At(taskId, seq, progress, status) with
        {
            Current = current,
            Total = total,
            Counts = new TaskCounts(current - (current / 3) - (current / 5), current / 3, current / 5),
        };
}
