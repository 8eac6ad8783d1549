using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Gateway.Hosting;
using OrleansTasks.Feeds;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

public sealed class SendThreadsTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Work_runs_on_the_gateways_own_threads_and_not_on_the_thread_pool()
    {
        using var threads = new SendThreads(3);
        var ran = new ConcurrentBag<(string? Name, bool PoolThread)>();
        var works = Enumerable.Range(0, 100).Select(_ => new Work(() => ran.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread)))).ToList();

        works.ForEach(threads.Queue);

        await Deadline.WaitAsync(Task.WhenAll(works.Select(work => work.Done.Task)), WaitLimit, "all 100 works to run");
        Assert.Equal(100, ran.Count);
        Assert.All(ran, thread => Assert.False(thread.PoolThread));
        Assert.All(ran, thread => Assert.Matches("^Socket sends [0-2]$", thread.Name));
    }

    [Fact]
    public async Task One_thread_runs_work_in_the_order_it_was_queued()
    {
        using var threads = new SendThreads(1);
        var order = new ConcurrentQueue<int>();
        var works = Enumerable.Range(0, 1_000).Select(index => new Work(() => order.Enqueue(index))).ToList();

        works.ForEach(threads.Queue);

        await Deadline.WaitAsync(works[^1].Done.Task, WaitLimit, "the last of 1,000 works to run");
        Assert.Equal(Enumerable.Range(0, 1_000), order);
    }

    [Fact]
    public void Stopping_finishes_the_work_queued_and_ignores_work_queued_afterwards()
    {
        var threads = new SendThreads(2);
        using var gate = new ManualResetEventSlim();
        var blocked = new Work(() => gate.Wait(WaitLimit));
        var queuedBefore = Enumerable.Range(0, 50).Select(_ => new Work(() => { })).ToList();
        threads.Queue(blocked);
        queuedBefore.ForEach(threads.Queue);

        gate.Set();
        threads.Dispose();
        var queuedAfter = new Work(() => { });
        threads.Queue(queuedAfter);

        Assert.All(queuedBefore, work => Assert.True(work.Done.Task.IsCompleted));
        Assert.False(queuedAfter.Done.Task.IsCompleted);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void At_least_one_thread_is_needed(int count) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SendThreads(count));

    [Fact]
    public async Task The_gateway_runs_as_many_threads_as_configured_and_one_per_processor_by_default()
    {
        await using var configured = new GatewayFactory(new Dictionary<string, string?> { ["Gateway:SendThreads"] = "3" });
        await using var byDefault = new GatewayFactory();

        Assert.Equal(3, configured.Services.GetRequiredService<SendThreads>().Count);
        Assert.Equal(Environment.ProcessorCount, byDefault.Services.GetRequiredService<SendThreads>().Count);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(256, true)]
    [InlineData(257, false)]
    public void The_setting_is_checked_at_start(int threads, bool valid)
    {
        var options = new GatewayOptions { SendThreads = threads };
        var errors = new List<ValidationResult>();

        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.All(errors, error => Assert.Contains(nameof(GatewayOptions.SendThreads), error.MemberNames));
    }

    private sealed class Work(Action action) : IFeedWork
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Execute()
        {
            action();
            Done.SetResult();
        }
    }
}
