using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

public sealed class SingletonRemindersTests
{
    /// <summary>
    /// A host whose start failed after this service's (a port in use) disposes it without ever starting:
    /// its wait for the start must end quietly, or the host logs it as a failed service.
    /// </summary>
    [Fact]
    public async Task Stopped_before_the_host_started_it_ends_without_a_failure()
    {
        var lifetime = new NeverStarted();
        using var reminders = new SingletonReminders(null!, null!, lifetime, TimeProvider.System, NullLogger<SingletonReminders>.Instance);
        await reminders.StartAsync(TestContext.Current.CancellationToken);
        // The service runs on the thread pool: stopped before it ran, it never waits at all.
        await lifetime.Asked.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        await reminders.StopAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(reminders.ExecuteTask);
        Assert.Equal(TaskStatus.RanToCompletion, reminders.ExecuteTask.Status);
    }

    private sealed class NeverStarted : IHostApplicationLifetime
    {
        /// <summary>Completes once the service has asked for the start it waits for.</summary>
        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken ApplicationStarted
        {
            get
            {
                Asked.TrySetResult();
                return CancellationToken.None;
            }
        }

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
