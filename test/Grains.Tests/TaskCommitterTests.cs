using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTasks.History;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>A task's commit path without a cluster: what is written, published and recorded, and in which order.</summary>
public sealed class TaskCommitterTests
{
    private static readonly DeepCopier Copier = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<DeepCopier>();
    private static readonly Guid TaskId = Guid.NewGuid();

    private readonly RecordingState _storage = new();
    private readonly List<IndexTaskSnapshot> _published = [];
    private readonly List<string> _events = [];
    private readonly FlakyHistory _history = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly TasksOptions _options = new() { SeqReservation = 3, CheckpointInterval = TimeSpan.FromSeconds(1), ProgressEventsPerSecond = 10 };
    private int _retirements;
    private int _deactivations;

    [Fact]
    public async Task An_accepted_task_is_written_before_it_is_recorded_and_published_with_a_seq_block_reserved()
    {
        var committer = await AcceptedAsync(total: 10);

        Assert.Equal(["write", "history", "publish"], _events);
        Assert.Equal(1, committer.State.Seq);
        Assert.Equal(1 + _options.SeqReservation, _storage.Written.Single().SeqReservedUpTo);
        Assert.Equal(1, _published.Single().Seq);
        Assert.Same(committer.Published, _published.Single());
    }

    [Fact]
    public async Task A_failed_status_change_publishes_nothing_retires_and_keeps_the_waiting_message_from_its_seq()
    {
        var committer = await AcceptedAsync(total: 10);
        _storage.Fail = new TimeoutException("the database is away");

        await Assert.ThrowsAsync<TimeoutException>(() => committer.CommitAsync(next => TaskTransitions.StartProcessing(next, _time.GetUtcNow())));
        await committer.PublishWaitingForDatabaseAsync();

        Assert.True(committer.Retired);
        Assert.False(await committer.PublishStoredEndAsync());
        Assert.Equal(1, _retirements);
        Assert.Equal(1, _deactivations);
        Assert.Equal(IndexTaskStatus.Pending, committer.State.Status);
        Assert.Single(_published);
    }

    [Fact]
    public async Task A_failed_checkpoint_still_lets_the_waiting_message_use_the_next_seq_of_the_reservation()
    {
        var committer = await AcceptedAsync(total: 10);
        _storage.Fail = new TimeoutException("the database is away");

        await Assert.ThrowsAsync<TimeoutException>(committer.CheckpointAsync);
        await committer.PublishWaitingForDatabaseAsync();

        Assert.Equal(2, _published[^1].Seq);
        Assert.StartsWith("Waiting for the database", _published[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_waiting_message_is_not_said_again_unchanged_so_a_long_outage_keeps_seqs_of_the_reservation()
    {
        // The index's writes fail, slice after slice: the task's own state is not written meanwhile.
        var committer = await AcceptedAsync(total: 10);
        for (var retry = 0; retry < 5; retry++)
        {
            await committer.PublishWaitingForDatabaseAsync();
        }

        Assert.Equal([1, 2], _published.Select(p => p.Seq));
        Assert.StartsWith("Waiting for the database", _published[^1].Message, StringComparison.Ordinal);

        // Progress made since it last said so: the message changes, and is said.
        committer.State.Current = 4;
        await committer.PublishWaitingForDatabaseAsync();
        Assert.Equal([1, 2, 3], _published.Select(p => p.Seq));
        Assert.Contains("4/10", _published[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_beyond_the_reserved_block_is_checkpointed_before_it_is_published()
    {
        var committer = await AcceptedAsync(total: 10);
        for (var i = 0; i < 4; i++)
        {
            committer.State.Current++;
            committer.ProgressMade();
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await committer.PublishProgressIfDueAsync();
        }

        var seqs = _published.Select(p => p.Seq).ToList();
        Assert.Equal([1, 2, 3, 4, 5], seqs);
        Assert.True(_storage.Written.Count >= 2, "the progress that reached the reservation must have been checkpointed");
        Assert.Equal(4 + _options.SeqReservation, _storage.Written[^1].SeqReservedUpTo);
        Assert.Equal(["write", "history", "publish", "publish", "publish", "write", "history", "publish", "publish"], _events);
    }

    [Fact]
    public async Task Progress_is_published_at_most_at_the_configured_rate()
    {
        var committer = await AcceptedAsync(total: 10);
        committer.State.Current = 1;
        committer.ProgressMade();
        await committer.PublishProgressIfDueAsync();
        committer.State.Current = 2;
        committer.ProgressMade();
        await committer.PublishProgressIfDueAsync();

        Assert.Equal(1, _published.Count(p => p.Current > 0));
        await committer.FlushProgressAsync();
        Assert.Equal(2, _published[^1].Current);
    }

    [Fact]
    public async Task A_failed_history_row_neither_undoes_the_change_nor_stops_the_publish_and_is_written_later()
    {
        var committer = await AcceptedAsync(total: 10);
        _history.Fail = true;

        await committer.CommitAsync(next => TaskTransitions.Cancel(next, "user:alice", _time.GetUtcNow()));

        Assert.Equal(IndexTaskStatus.Cancelled, committer.State.Status);
        Assert.Equal(IndexTaskStatus.Cancelled, _published[^1].Status);
        Assert.True(committer.EndPublished);
        Assert.True(committer.HistoryBehind);
        _history.Fail = false;
        await committer.CatchUpHistoryAsync();
        Assert.False(committer.HistoryBehind);
        Assert.Equal(IndexTaskStatus.Cancelled, _history.Recorded[^1].Status);
    }

    [Fact]
    public async Task A_status_change_is_written_then_published_then_recorded()
    {
        var committer = await AcceptedAsync(total: 10);
        _events.Clear();

        await committer.CommitAsync(next => TaskTransitions.StartProcessing(next, _time.GetUtcNow()));

        Assert.Equal(["write", "publish", "history"], _events);
        Assert.Equal((2L, IndexTaskStatus.Processing), (_published[^1].Seq, _published[^1].Status));
    }

    [Fact]
    public async Task A_retired_committer_publishes_no_progress()
    {
        var committer = await AcceptedAsync(total: 10);
        _storage.Fail = new InconsistentStateException("stale");
        await Assert.ThrowsAsync<InconsistentStateException>(committer.CheckpointAsync);
        committer.State.Current = 3;
        committer.ProgressMade();

        await committer.PublishProgressIfDueAsync();
        await committer.FlushProgressAsync();

        Assert.Single(_published);
    }

    [Fact]
    public async Task An_ending_change_lists_every_follower_to_notify()
    {
        var committer = await AcceptedAsync(total: 10, followers: [GrainId.Create("batch", "b1")]);

        await committer.CommitAsync(next => TaskTransitions.Fail(next, TaskErrors.Missing(), _time.GetUtcNow()));

        Assert.Equal([GrainId.Create("batch", "b1")], committer.State.FollowersToNotify);
    }

    [Fact]
    public async Task A_rollback_undoes_unpublished_progress_in_memory_but_never_a_write_nor_published_progress()
    {
        var committer = await AcceptedAsync(total: 10);
        var mark = committer.Mark();
        committer.State.Current = 3;
        committer.ProgressMade();

        committer.RollBackTo(mark);

        Assert.Equal(0, committer.State.Current);
        Assert.Equal(1, committer.State.Seq);

        // Watchers heard of 5 documents: a failure after that keeps them rather than redo them.
        var published = committer.Mark();
        committer.State.Current = 5;
        committer.ProgressMade();
        await committer.FlushProgressAsync();
        committer.RollBackTo(published);
        Assert.Equal(5, committer.State.Current);
        Assert.Equal((2, 5), (_published[^1].Seq, _published[^1].Current));

        var written = committer.Mark();
        committer.State.Current = 7;
        await committer.CheckpointAsync();
        committer.RollBackTo(written);
        Assert.Equal(7, committer.State.Current);
    }

    [Fact]
    public async Task A_new_activation_of_an_unfinished_task_continues_above_every_seq_the_last_one_could_have_published()
    {
        var committer = await AcceptedAsync(total: 10);
        var stored = _storage.Written[^1];
        var fenced = new List<long>();
        var nextStorage = new RecordingState { State = stored };
        var next = new TaskCommitter(TaskId, nextStorage, Copier, () => { }, Publish, _history, _time, _options, NullLogger.Instance, () => { });

        await next.ActivateAsync(read =>
        {
            fenced.Add(read);
            Assert.Single(nextStorage.Written);
            return Task.CompletedTask;
        });

        Assert.Equal(stored.SeqReservedUpTo, next.State.Seq);
        Assert.Equal(next.State.Seq, next.Published!.Seq);

        // Earlier activations are fenced off at the reservation read, after this one's first write: its own chunks carry the new one.
        Assert.Equal([stored.SeqReservedUpTo], fenced);
        Assert.True(next.State.SeqReservedUpTo > stored.SeqReservedUpTo + 1);
    }

    [Fact]
    public async Task A_new_activation_whose_first_write_is_refused_fences_off_nothing()
    {
        // A silo paused past its declared death activates the task again as it wakes, while a newer activation runs it elsewhere.
        var committer = await AcceptedAsync(total: 10);
        var stale = new RecordingState { State = _storage.Written[^1], Fail = new InconsistentStateException("a newer activation wrote the task") };
        var zombie = new TaskCommitter(TaskId, stale, Copier, () => { }, Publish, _history, _time, _options, NullLogger.Instance, () => { });
        var fenced = 0;

        await Assert.ThrowsAsync<InconsistentStateException>(() => zombie.ActivateAsync(_ =>
        {
            fenced++;
            return Task.CompletedTask;
        }));

        Assert.Equal(0, fenced);
        Assert.True(zombie.Retired);
    }

    [Fact]
    public async Task A_stored_end_that_this_activation_did_not_publish_is_published_once_under_its_seq()
    {
        var committer = await AcceptedAsync(total: 10);
        await committer.CommitAsync(next => TaskTransitions.Cancel(next, "user:alice", _time.GetUtcNow()));
        var stored = _storage.Written[^1];
        _published.Clear();
        var next = new TaskCommitter(TaskId, new RecordingState { State = stored }, Copier, () => { }, Publish, _history, _time, _options, NullLogger.Instance, () => { });
        await next.ActivateAsync(_ => throw new InvalidOperationException("an ended task fences off nothing"));

        Assert.True(await next.PublishStoredEndAsync());
        Assert.False(await next.PublishStoredEndAsync());
        Assert.Equal(stored.Seq, _published.Single().Seq);
    }

    private async Task<TaskCommitter> AcceptedAsync(int total, IEnumerable<GrainId>? followers = null)
    {
        var committer = new TaskCommitter(TaskId, _storage, Copier, () => _deactivations++, Publish, _history, _time, _options, NullLogger.Instance, () => _retirements++);
        _storage.Writing = () => _events.Add("write");
        _history.Recording = () => _events.Add("history");
        var request = new StartIndexTask("alice", "docs", [.. Enumerable.Range(0, total).Select(i => new IndexDocument($"d{i}", "t", "c"))]);
        await committer.AcceptAsync(TaskTransitions.Accept(request, [0], null, total, followers ?? [], _time.GetUtcNow()));
        return committer;
    }

    private Task Publish(IndexTaskSnapshot snapshot)
    {
        _events.Add("publish");
        _published.Add(snapshot);
        return Task.CompletedTask;
    }

    private sealed class FlakyHistory : ITaskHistory
    {
        public bool Fail { get; set; }

        public Action? Recording { get; set; }

        public List<TaskSummary> Recorded { get; } = [];

        public Task RecordAsync(TaskSummary summary, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new TimeoutException("history is away");
            }

            Recording?.Invoke();
            Recorded.Add(summary);
            return Task.CompletedTask;
        }

        public Task<HistoryPage> ListAsync(HistoryQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<TaskStatusCounts> CountAsync(string? ownerId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<Guid>> EndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RemoveAsync(Guid taskId, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
