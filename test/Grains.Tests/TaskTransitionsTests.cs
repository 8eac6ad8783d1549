using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>What each status change of a task is, without a grain.</summary>
public sealed class TaskTransitionsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_task_without_dependencies_or_start_time_is_queued_and_one_with_either_waits()
    {
        var dependency = Guid.NewGuid();

        var queued = TaskTransitions.Accept(Request(), [0], null, 3, [], Now);
        var dependent = TaskTransitions.Accept(Request() with { DependsOn = [dependency] }, [0], null, 3, [], Now);
        var later = TaskTransitions.Accept(Request() with { RunAt = Now.AddMinutes(5) }, [0], null, 3, [], Now);

        Assert.Equal((IndexTaskStatus.Pending, "Queued", 1L), (queued.Status, queued.Message, queued.Seq));
        Assert.Equal((IndexTaskStatus.Waiting, "Waiting for 1 task to complete"), (dependent.Status, dependent.Message));
        Assert.Equal([dependency], dependent.AwaitedDependencies);
        Assert.Equal((IndexTaskStatus.Waiting, "Scheduled for 2026-12-02T10:05:00Z"), (later.Status, later.Message));
    }

    [Fact]
    public void A_slice_moves_the_position_and_adds_its_outcomes_to_the_counts()
    {
        var task = TaskTransitions.Accept(Request(), [0], null, 3, [], Now);

        var added = TaskTransitions.RecordSlice(task, [Result(DocumentOutcome.Indexed), Result(DocumentOutcome.Unchanged), Result(DocumentOutcome.Failed)], Now);

        Assert.Equal(new TaskCounts(1, 1, 1), added);
        Assert.Equal(new TaskCounts(1, 1, 1), task.Counts);
        Assert.Equal((3, 1, "Indexing 3/3"), (task.Current, task.ResultChunkCount, task.Message));
    }

    [Theory]
    [InlineData(IndexTaskStatus.Completed, IndexTaskStatus.Pending)]
    [InlineData(IndexTaskStatus.Failed, IndexTaskStatus.Failed)]
    [InlineData(IndexTaskStatus.Cancelled, IndexTaskStatus.Cancelled)]
    public void The_end_of_the_only_dependency_queues_the_task_or_ends_it_without_running(IndexTaskStatus dependencyEnd, IndexTaskStatus expected)
    {
        var dependency = Guid.NewGuid();
        var task = TaskTransitions.Accept(Request() with { DependsOn = [dependency] }, [0], null, 3, [], Now);

        TaskTransitions.DependencyEnded(task, dependency, Ended(dependency, dependencyEnd), Now);

        Assert.Equal(expected, task.Status);
        Assert.Empty(task.AwaitedDependencies);
        Assert.Equal(expected.IsTerminal() ? Now : null, task.FinishedAt);
        if (dependencyEnd == IndexTaskStatus.Cancelled)
        {
            Assert.Equal("dependency:" + dependency, task.CancelledBy);
        }
    }

    [Fact]
    public void Admission_ranks_and_ages_a_task_from_when_it_was_queued_not_from_its_time_waiting_for_dependencies()
    {
        var dependency = Guid.NewGuid();
        var queued = TaskTransitions.Accept(Request(), [0], null, 3, [], Now);
        var dependent = TaskTransitions.Accept(Request() with { DependsOn = [dependency] }, [0], null, 3, [], Now);
        var released = Now.AddMinutes(10);

        TaskTransitions.DependencyEnded(dependent, dependency, Ended(dependency, IndexTaskStatus.Completed), released);

        Assert.Equal(Now, Admission.AdmissionTicket.Of(Guid.NewGuid(), queued).QueuedAt);
        Assert.Null(TaskTransitions.Accept(Request() with { DependsOn = [dependency] }, [0], null, 3, [], Now).QueuedAt);
        Assert.Equal(released, Admission.AdmissionTicket.Of(Guid.NewGuid(), dependent).QueuedAt);

        // A task stored by an earlier build, which kept no queueing time: from its creation, or its start time.
        var stored = new IndexTaskState { CreatedAt = Now, RunAt = Now.AddMinutes(3) };
        Assert.Equal(Now.AddMinutes(3), Admission.AdmissionTicket.Of(Guid.NewGuid(), stored).QueuedAt);
    }

    [Fact]
    public void A_tasks_admission_ticket_says_it_is_processing_once_it_started_and_through_a_retry_wait()
    {
        var task = TaskTransitions.Accept(Request(), [0], null, 3, [], Now);
        Assert.False(Admission.AdmissionTicket.Of(Guid.NewGuid(), task).Processing);

        TaskTransitions.StartProcessing(task, Now);
        Assert.True(Admission.AdmissionTicket.Of(Guid.NewGuid(), task).Processing);
        TaskTransitions.AwaitRetry(task, 2, 5, Now.AddSeconds(4), "the document index timed out", Now);
        Assert.True(Admission.AdmissionTicket.Of(Guid.NewGuid(), task).Processing);
    }

    [Fact]
    public void When_a_retry_wait_ends_the_past_next_attempt_time_is_cleared_and_the_attempt_kept_until_a_slice_succeeds()
    {
        var task = TaskTransitions.Accept(Request(), [0], null, 3, [], Now);
        TaskTransitions.StartProcessing(task, Now);
        TaskTransitions.AwaitRetry(task, 2, 5, Now.AddSeconds(4), "the document index timed out", Now);

        TaskTransitions.EndRetryWait(task, 5);
        var attempting = TaskSnapshots.Of(Guid.NewGuid(), task);
        TaskTransitions.RecordSlice(task, [Result(DocumentOutcome.Indexed)], Now.AddSeconds(5));

        Assert.Equal((IndexTaskStatus.Processing, 3, null), (attempting.Status, attempting.Attempt, attempting.NextAttemptAt));
        Assert.Equal("Indexing 0/3 (attempt 3 of 5)", attempting.Message);
        Assert.Equal((1, null, "Indexing 1/3"), (TaskSnapshots.Of(Guid.NewGuid(), task).Attempt, task.NextAttemptAt, task.Message));
    }

    [Fact]
    public void When_a_retry_wait_ends_before_a_source_is_counted_the_message_says_the_count_runs_its_attempt_not_indexing()
    {
        var task = SourceTask();
        TaskTransitions.AwaitRetry(task, 2, 5, Now.AddSeconds(4), "the source directory 'sub' could not be listed", Now);

        TaskTransitions.EndRetryWait(task, 5);

        Assert.Equal(("Counting documents (attempt 3 of 5)", null, 2), (task.Message, task.NextAttemptAt, task.FailedAttempts));
        Assert.Equal((0, 3), (TaskSnapshots.Of(Guid.NewGuid(), task).Total, TaskSnapshots.Of(Guid.NewGuid(), task).Attempt));
    }

    [Fact]
    public void A_count_turn_that_succeeds_starts_the_next_step_at_attempt_1_and_says_counting_again_until_the_count_is_done()
    {
        var counting = SourceTask();
        TaskTransitions.AwaitRetry(counting, 2, 5, Now.AddSeconds(4), "the source directory 'sub' could not be listed", Now);
        TaskTransitions.EndRetryWait(counting, 5);
        var counted = SourceTask();
        TaskTransitions.AwaitRetry(counted, 1, 5, Now.AddSeconds(4), "the source directory 'sub' could not be listed", Now);
        TaskTransitions.EndRetryWait(counted, 5);
        counted.Source!.Counted = true;
        counted.Total = 7;
        counted.Message = "Indexing 0/7";

        TaskTransitions.CountTurnSucceeded(counting);
        TaskTransitions.CountTurnSucceeded(counted);

        Assert.Equal((0, null, "Counting documents"), (counting.FailedAttempts, counting.NextAttemptAt, counting.Message));
        Assert.Equal((0, null, "Indexing 0/7"), (counted.FailedAttempts, counted.NextAttemptAt, counted.Message));
        Assert.Equal(1, TaskSnapshots.Of(Guid.NewGuid(), counting).Attempt);
    }

    [Fact]
    public void A_dependency_that_no_longer_exists_fails_the_task_and_one_that_completes_before_the_others_keeps_it_waiting()
    {
        var (gone, first, second) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var orphan = TaskTransitions.Accept(Request() with { DependsOn = [gone] }, [0], null, 3, [], Now);
        var waiting = TaskTransitions.Accept(Request() with { DependsOn = [first, second] }, [0], null, 3, [], Now);

        TaskTransitions.DependencyEnded(orphan, gone, null, Now);
        TaskTransitions.DependencyEnded(waiting, first, Ended(first, IndexTaskStatus.Completed), Now);

        Assert.Equal((IndexTaskStatus.Failed, TaskErrors.DependencyMissingCode), (orphan.Status, orphan.Error!.Code));
        Assert.Equal((IndexTaskStatus.Waiting, "Waiting for 1 task to complete"), (waiting.Status, waiting.Message));
    }

    [Fact]
    public void A_start_timer_is_armed_only_for_a_start_time_within_the_horizon_and_never_in_the_past()
    {
        var horizon = TimeSpan.FromHours(1);
        var soon = TaskTransitions.Accept(Request() with { RunAt = Now.AddMinutes(5) }, [0], null, 3, [], Now);
        var far = TaskTransitions.Accept(Request() with { RunAt = Now.AddHours(2) }, [0], null, 3, [], Now);
        var held = TaskTransitions.Accept(Request() with { RunAt = Now.AddMinutes(5), DependsOn = [Guid.NewGuid()] }, [0], null, 3, [], Now);

        Assert.Equal(TimeSpan.FromMinutes(5), TaskTransitions.StartTimerDue(soon, Now, horizon));
        Assert.Equal(TimeSpan.Zero, TaskTransitions.StartTimerDue(soon, Now.AddMinutes(6), horizon));
        Assert.Null(TaskTransitions.StartTimerDue(far, Now, horizon));
        Assert.Null(TaskTransitions.StartTimerDue(held, Now, horizon));
    }

    [Fact]
    public void A_snapshot_shows_progress_as_a_percentage_and_minus_one_once_failed()
    {
        var task = TaskTransitions.Accept(Request(), [0], null, 3, [], Now);
        task.Current = 2;
        Assert.Equal(66, TaskSnapshots.Of(Guid.NewGuid(), task).Progress);

        TaskTransitions.Fail(task, TaskErrors.Missing(), Now);
        Assert.Equal(-1, TaskSnapshots.Of(Guid.NewGuid(), task).Progress);
    }

    [Fact]
    public void A_dependency_list_that_is_too_long_names_the_task_itself_or_repeats_a_task_is_refused()
    {
        var self = Guid.NewGuid();
        var other = Guid.NewGuid();

        Assert.Equal("A task cannot depend on itself.", Assert.Throws<InvalidTaskRequestException>(() => TaskDependencies.CheckShape(self, [self])).Message);
        Assert.Contains("more than once", Assert.Throws<InvalidTaskRequestException>(() => TaskDependencies.CheckShape(self, [other, other])).Message, StringComparison.Ordinal);
        Assert.Contains("at most 100", Assert.Throws<InvalidTaskRequestException>(() => TaskDependencies.CheckShape(self, [.. Enumerable.Range(0, 101).Select(_ => Guid.NewGuid())])).Message, StringComparison.Ordinal);
        TaskDependencies.CheckShape(self, [other]);
    }

    [Theory]
    [InlineData("user:alice", true)]
    [InlineData("service:indexer", true)]
    [InlineData("user:", false)]
    [InlineData("someone", false)]
    public void Cancelled_by_must_be_a_known_kind_followed_by_a_name(string value, bool valid)
    {
        var refused = Record.Exception(() => CancelledBy.Check(value));

        Assert.Equal(valid, refused is null);
        Assert.True(valid || refused is InvalidTaskRequestException { Field: "cancelled_by" });
    }

    private static StartIndexTask Request() => new("alice", "docs", [new IndexDocument("a", "A", "alpha")]);

    /// <summary>A directory-source task, processing and not yet counted.</summary>
    private static IndexTaskState SourceTask()
    {
        var task = TaskTransitions.Accept(new StartIndexTask("alice", "docs", [], new DirectorySource("/srv/docs", "*")), [], null, 0, [], Now);
        TaskTransitions.StartProcessing(task, Now);
        return task;
    }

    private static IndexTaskSnapshot Ended(Guid taskId, IndexTaskStatus status) =>
        TaskSnapshots.Of(taskId, new IndexTaskState { Accepted = true, OwnerId = "alice", Collection = "docs", Status = status });

    private static DocumentResult Result(DocumentOutcome outcome) => new(Guid.NewGuid().ToString(), outcome);
}
