using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Npgsql;
using OrleansTasks.Hosting;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>The retry policy of a slice that failed transiently, and the time limit of a task, as plain functions.</summary>
public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_default_policy_waits_1_2_4_up_to_128_seconds_then_4_to_5_minutes_between_ten_attempts_each_up_to_a_quarter_longer()
    {
        var policy = new RetryOptions().Resolve(null);

        var shortest = Enumerable.Range(1, 9).Select(failed => SliceRetries.Delay(policy, failed, 0).TotalSeconds);
        var longest = Enumerable.Range(1, 9).Select(failed => SliceRetries.Delay(policy, failed, 1).TotalSeconds);

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 240], shortest);
        Assert.Equal([1.25, 2.5, 5, 10, 20, 40, 80, 160, 300], longest);
        Assert.Equal(TimeSpan.FromMinutes(5), SliceRetries.Delay(policy, 1000, 1));
        Assert.Equal(TimeSpan.FromMinutes(4.5), SliceRetries.Delay(policy, 10, 0.5));
        Assert.False(SliceRetries.Exhausted(policy, 9));
        Assert.True(SliceRetries.Exhausted(policy, 10));
    }

    [Fact]
    public void Tasks_failed_by_one_outage_draw_their_waits_apart_within_a_quarter_and_never_past_the_longest_wait()
    {
        var policy = new TaskRetryPolicy(10, TimeSpan.FromSeconds(2), 2, TimeSpan.FromSeconds(10));
        var random = new Random(22);

        var firstWaits = Enumerable.Range(0, 50).Select(_ => SliceRetries.Delay(policy, 1, random.NextDouble())).ToList();
        var cappedWaits = Enumerable.Range(0, 50).Select(_ => SliceRetries.Delay(policy, 6, random.NextDouble())).ToList();

        Assert.All(firstWaits, wait => Assert.InRange(wait, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.5)));
        Assert.All(cappedWaits, wait => Assert.InRange(wait, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(10)));
        Assert.True(firstWaits.Distinct().Count() > 40, "the waits were not drawn apart");
        Assert.True(cappedWaits.Distinct().Count() > 40, "the waits at the longest were not drawn apart");
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceRetries.Delay(policy, 1, 1.5));
    }

    [Fact]
    public void A_tasks_own_policy_overrides_what_it_gives_and_keeps_the_silos_defaults_for_the_rest()
    {
        var defaults = new RetryOptions { MaxAttempts = 4, InitialInterval = TimeSpan.FromSeconds(3) };

        var policy = defaults.Resolve(new TaskRetryPolicy(Backoff: 1.5, MaxInterval: TimeSpan.FromSeconds(5)));

        Assert.Equal(new TaskRetryPolicy(4, TimeSpan.FromSeconds(3), 1.5, TimeSpan.FromSeconds(5)), policy);
        Assert.Equal([3, 4, 4], Enumerable.Range(1, 3).Select(failed => SliceRetries.Delay(policy, failed, 0).TotalSeconds));
        Assert.Equal([3.75, 5, 5], Enumerable.Range(1, 3).Select(failed => SliceRetries.Delay(policy, failed, 1).TotalSeconds));
        Assert.True(SliceRetries.Exhausted(new RetryOptions().Resolve(new TaskRetryPolicy(MaxAttempts: 1)), 1));
    }

    [Fact]
    public void An_accepted_task_keeps_its_policy_and_limit_with_the_defaults_filled_in()
    {
        var options = new TasksOptions { DefaultTimeout = TimeSpan.FromHours(1) };
        var own = Accept(new StartIndexTask("alice", "docs", [new IndexDocument("a", null, "x")], Retry: new TaskRetryPolicy(MaxAttempts: 3), Timeout: TimeSpan.FromMinutes(2)), options);
        var plain = Accept(new StartIndexTask("alice", "docs", [new IndexDocument("a", null, "x")]), options);

        Assert.Equal(new TaskRetryPolicy(3, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(5)), own.Retry);
        Assert.Equal(TimeSpan.FromMinutes(2), own.Timeout);
        Assert.Equal(TimeSpan.FromHours(1), plain.Timeout);
        Assert.Null(Accept(new StartIndexTask("alice", "docs", [new IndexDocument("a", null, "x")]), new TasksOptions()).Timeout);
    }

    [Fact]
    public void A_task_that_asks_for_no_time_limit_has_none_even_where_the_silo_sets_a_default()
    {
        var options = new TasksOptions { DefaultTimeout = TimeSpan.FromHours(1) };

        TaskRequestValidator.ValidatePolicies(null, StartIndexTask.NoTimeout);
        var unlimited = Accept(new StartIndexTask("alice", "docs", [new IndexDocument("a", null, "x")], Timeout: StartIndexTask.NoTimeout), options);
        TaskTransitions.StartProcessing(unlimited, Now);

        Assert.Null(unlimited.Timeout);
        Assert.Null(TaskDeadline.Due(unlimited, Now.AddYears(1)));
        Assert.Null(TaskSnapshots.Of(Guid.NewGuid(), unlimited).Timeout);
    }

    [Fact]
    public void A_retry_wait_is_stored_with_the_next_attempt_and_said_in_the_message_and_a_slice_that_succeeds_clears_it()
    {
        var task = Accept(new StartIndexTask("alice", "docs", [new IndexDocument("a", null, "x")]), new TasksOptions());

        TaskTransitions.AwaitRetry(task, 2, 10, Now.AddSeconds(4), "the document index timed out", Now);
        var waiting = TaskSnapshots.Of(Guid.NewGuid(), task);
        TaskTransitions.RecordSlice(task, [new DocumentResult("a", DocumentOutcome.Indexed)], Now.AddSeconds(5));

        Assert.Equal("Retrying in 4 s (attempt 3 of 10): the document index timed out", waiting.Message);
        Assert.Equal((3, Now.AddSeconds(4)), (waiting.Attempt, waiting.NextAttemptAt));
        Assert.Equal((0, null, 1), (task.FailedAttempts, task.NextAttemptAt, TaskSnapshots.Of(Guid.NewGuid(), task).Attempt));
    }

    [Fact]
    public void The_time_limit_counts_from_the_start_and_binds_only_until_the_end()
    {
        var task = Accept(new StartIndexTask("alice", "docs", [new IndexDocument("a", null, "x")], RunAt: Now.AddHours(1), Timeout: TimeSpan.FromMinutes(30)), new TasksOptions());

        Assert.Equal(IndexTaskStatus.Waiting, task.Status);
        Assert.Null(TaskDeadline.Of(task));
        Assert.False(TaskDeadline.IsPast(task, Now.AddDays(1)));

        TaskTransitions.StartProcessing(task, Now.AddHours(2));
        Assert.Equal(Now.AddHours(2).AddMinutes(30), TaskDeadline.Of(task));
        Assert.Equal(TimeSpan.FromMinutes(10), TaskDeadline.Due(task, Now.AddHours(2).AddMinutes(20)));
        Assert.False(TaskDeadline.IsPast(task, Now.AddHours(2).AddMinutes(29)));
        Assert.True(TaskDeadline.IsPast(task, Now.AddHours(2).AddMinutes(30)));
        Assert.Equal(TimeSpan.Zero, TaskDeadline.Due(task, Now.AddHours(3)));

        TaskTransitions.Fail(task, TaskErrors.TimedOut(TimeSpan.FromMinutes(30)), Now.AddHours(3));
        Assert.Null(TaskDeadline.Due(task, Now.AddHours(3)));
        Assert.Equal(("timeout", "The task did not end within its time limit of PT30M after its start."), (task.Error!.Code, task.Error.Message));
    }

    [Fact]
    public void Without_a_limit_no_deadline_binds()
    {
        var task = Accept(new StartIndexTask("alice", "docs", [new IndexDocument("a", null, "x")]), new TasksOptions());
        TaskTransitions.StartProcessing(task, Now);

        Assert.Null(TaskDeadline.Due(task, Now.AddYears(1)));
        Assert.False(TaskDeadline.IsPast(task, Now.AddYears(1)));
    }

    [Theory]
    [InlineData(PostgresErrorCodes.SerializationFailure, false)]
    [InlineData(PostgresErrorCodes.DeadlockDetected, false)]
    [InlineData(PostgresErrorCodes.AdminShutdown, true)]
    [InlineData(PostgresErrorCodes.CannotConnectNow, true)]
    [InlineData(PostgresErrorCodes.TooManyConnections, true)]
    [InlineData(PostgresErrorCodes.DiskFull, true)]
    [InlineData(PostgresErrorCodes.ConnectionFailure, true)]
    public void A_database_that_refuses_for_now_spends_an_attempt_but_one_stopping_starting_or_out_of_a_resource_is_waited_for(string sqlState, bool outage)
    {
        var refusal = new PostgresException("refused", "ERROR", "ERROR", sqlState);

        Assert.True(TransientFaults.IsTransient(refusal));
        Assert.Equal(outage, TransientFaults.IsDatabaseOutage(refusal));
    }

    [Fact]
    public void A_database_that_cannot_be_reached_is_waited_for_and_an_index_that_times_out_spends_an_attempt()
    {
        var refused = new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused));
        var broken = new NpgsqlException("Exception while reading from stream", new IOException("reset"));

        Assert.True(TransientFaults.IsDatabaseOutage(refused));
        Assert.True(TransientFaults.IsDatabaseOutage(broken));
        Assert.False(TransientFaults.IsDatabaseOutage(new TimeoutException("the index is slow")));
        Assert.False(TransientFaults.IsDatabaseOutage(new InvalidOperationException("refused for good")));
    }

    public static TheoryData<string, TaskRetryPolicy?, TimeSpan?> InvalidPolicies => new()
    {
        { "retry.max_attempts", new TaskRetryPolicy(MaxAttempts: 0), null },
        { "retry.max_attempts", new TaskRetryPolicy(MaxAttempts: 101), null },
        { "retry.initial_interval", new TaskRetryPolicy(InitialInterval: TimeSpan.Zero), null },
        { "retry.max_interval", new TaskRetryPolicy(MaxInterval: TimeSpan.FromDays(2)), null },
        { "retry.backoff", new TaskRetryPolicy(Backoff: double.NaN), null },
        { "retry.backoff", new TaskRetryPolicy(Backoff: 11), null },
        { "retry.max_interval", new TaskRetryPolicy(InitialInterval: TimeSpan.FromSeconds(2), MaxInterval: TimeSpan.FromSeconds(1)), null },
        { "timeout", null, TimeSpan.FromSeconds(-1) },
        { "timeout", null, TimeSpan.FromDays(31) },
        { "timeout", null, TimeSpan.FromMilliseconds(-2) },
        { "timeout", null, TimeSpan.Zero },
    };

    [Theory]
    [MemberData(nameof(InvalidPolicies))]
    public void A_policy_or_limit_out_of_range_is_refused_naming_its_field(string field, TaskRetryPolicy? retry, TimeSpan? timeout)
    {
        var refused = Assert.Throws<InvalidTaskRequestException>(() => TaskRequestValidator.ValidatePolicies(retry, timeout));

        Assert.Equal(field, refused.Field);
    }

    [Fact]
    public void A_policy_that_crosses_a_default_interval_is_refused_naming_the_field_and_the_default()
    {
        var longFirstWait = Assert.Throws<InvalidTaskRequestException>(() =>
            TaskRequestValidator.ValidatePolicies(new TaskRetryPolicy(InitialInterval: TimeSpan.FromMinutes(10)), null, new RetryOptions()));
        var shortCap = Assert.Throws<InvalidTaskRequestException>(() =>
            TaskRequestValidator.ValidatePolicies(new TaskRetryPolicy(MaxInterval: TimeSpan.FromMilliseconds(500)), null, new RetryOptions()));

        Assert.Equal("retry.initial_interval", longFirstWait.Field);
        Assert.Contains("PT5M", longFirstWait.Message, StringComparison.Ordinal);
        Assert.Equal("retry.max_interval", shortCap.Field);
        Assert.Contains("PT1S", shortCap.Message, StringComparison.Ordinal);
        TaskRequestValidator.ValidatePolicies(new TaskRetryPolicy(InitialInterval: TimeSpan.FromMinutes(10)), null,
            new RetryOptions { MaxInterval = TimeSpan.FromMinutes(20) });
    }

    [Theory]
    [InlineData("Tasks:Retry:MaxAttempts", "0", "Tasks:Retry: The field MaxAttempts must be between 1 and 100.")]
    [InlineData("Tasks:Retry:InitialInterval", "00:10:00", "Tasks:Retry: MaxInterval (00:05:00) must not be shorter than InitialInterval (00:10:00).")]
    [InlineData("Tasks:DefaultTimeout", "00:00:00", "Tasks: The field DefaultTimeout must be between 00:00:01 and 30.00:00:00.")]
    public void A_retry_policy_or_time_limit_out_of_range_stops_the_start_with_one_line(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

        var refused = Assert.Throws<StartupException>(() => TaskPolicySettings.Check(configuration));

        Assert.Equal(message, refused.Message);
        TaskPolicySettings.Check(new ConfigurationBuilder().Build());
    }

    private static IndexTaskState Accept(StartIndexTask request, TasksOptions options)
    {
        var task = TaskTransitions.Accept(request, [], [.. request.Documents], request.Documents.Length, [], Now);
        TaskTransitions.TakePolicies(task, request, options);
        return task;
    }
}
