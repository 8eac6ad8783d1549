using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A task whose last slice is indexed and published, and whose completion then cannot read its
/// results back, keeps what it published: it completes with every document indexed once, and its
/// progress never steps back below what watchers already heard.
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class TaskPreviewFailureTests(FaultClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_failed_read_of_the_results_at_completion_does_not_undo_the_published_last_slice()
    {
        var taskId = Guid.NewGuid();
        var collection = "c" + Guid.NewGuid().ToString("N")[..12];
        var taskGrain = GrainId.Create("index-task", taskId.ToString("N"));
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);

        // More than 100 documents: the results are stored in chunks beside the state. Each slice
        // takes longer than the checkpoint interval, so every slice ends with a checkpoint and the
        // completion starts with nothing written since its last slice began.
        const int documents = 150;
        fixture.Faults.PaceIndex(collection, TimeSpan.FromMilliseconds(150));

        // A checkpoint under way is stored without its acknowledgement: the next activation reads
        // storage and has not the first result chunk in memory, so completing reads it back, and
        // that read fails once.
        var retired = fixture.Faults.FailWrites(taskGrain, reachStorage: true,
            when: state => state is IndexTaskState { Status: IndexTaskStatus.Processing, ResultChunkCount: > 0 } task && task.Current < task.Total);
        var unread = fixture.Faults.FailReads(GrainId.Create("index-task-results", $"{taskId:N}-0"));

        await grain.Start(new StartIndexTask("alice", collection, Documents.Generate(documents)));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.True(retired.Done, "no checkpoint lost its acknowledgement while the task ran");
        Assert.True(unread.Done, "the completion did not read the first result chunk back");
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(documents, 0, 0), terminal.Counts);
        watcher.DrainArrived();
        TaskFailedWriteTests.AssertMovesForward(watcher.Received);
        Assert.Equal(documents, await fixture.SiloServices.GetRequiredService<Indexing.IDocumentIndex>().CountWritesAsync(collection, CancellationToken.None));
        var results = await grain.GetResults(0, 1000);
        Assert.Equal(documents, results.Items.Count(r => r.Outcome == DocumentOutcome.Indexed));
    }
}
