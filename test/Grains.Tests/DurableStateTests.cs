using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>The shared commit path, without a cluster: memory takes a change only once storage has.</summary>
public sealed class DurableStateTests
{
    private static readonly DeepCopier Copier = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<DeepCopier>();

    [Fact]
    public async Task A_change_becomes_current_once_written_and_is_computed_on_a_copy()
    {
        var storage = new RecordingState();
        var durable = new DurableState<IndexTaskState>(storage, Copier, () => { });
        var before = durable.Current;

        await durable.CommitAsync(next => next.Followers.Add(GrainId.Create("x", "1")));

        Assert.Empty(before.Followers);
        Assert.Single(durable.Current.Followers);
        Assert.Same(durable.Current, storage.Written.Single());
        Assert.Equal(1, durable.Writes);
    }

    [Fact]
    public async Task A_failed_write_leaves_the_current_state_as_it_was()
    {
        var deactivations = 0;
        var storage = new RecordingState { Fail = new TimeoutException("down") };
        var durable = new DurableState<IndexTaskState>(storage, Copier, () => deactivations++);
        var before = durable.Current;

        await Assert.ThrowsAsync<TimeoutException>(() => durable.CommitAsync(next => next.Status = IndexTaskStatus.Completed));

        // The write may have landed all the same: the activation retires, and the next one reads storage.
        Assert.Same(before, durable.Current);
        Assert.Equal(IndexTaskStatus.Pending, durable.Current.Status);
        Assert.True(durable.IsRetired);
        Assert.Equal(1, deactivations);
        Assert.Equal(0, durable.Writes);
    }

    [Fact]
    public async Task A_stale_write_retires_the_activation_and_refuses_every_later_write()
    {
        var deactivations = 0;
        var storage = new RecordingState { Fail = new InconsistentStateException("stale") };
        var durable = new DurableState<IndexTaskState>(storage, Copier, () => deactivations++);

        await Assert.ThrowsAsync<InconsistentStateException>(() => durable.CommitAsync(next => next.Seq = 2));
        storage.Fail = null;
        await Assert.ThrowsAsync<InconsistentStateException>(() => durable.CommitAsync(next => next.Seq = 3));

        Assert.True(durable.IsRetired);
        Assert.Equal(1, deactivations);
        Assert.Equal(0, durable.Current.Seq);
        Assert.Empty(storage.Written);
    }

    [Fact]
    public async Task A_clear_that_fails_keeps_the_state_and_retires_the_activation()
    {
        var storage = new RecordingState { Fail = new TimeoutException("down") };
        var durable = new DurableState<IndexTaskState>(storage, Copier, () => { });
        var before = durable.Current;

        await Assert.ThrowsAsync<TimeoutException>(() => durable.ClearAsync(new IndexTaskState()));

        Assert.Same(before, durable.Current);
        Assert.True(durable.IsRetired);
    }
}
