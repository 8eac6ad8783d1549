using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks.Admission;

namespace OrleansTasks.Hosting;

/// <summary>
/// Makes sure the cluster's singleton grains (the retention sweep, the admission queue) have their
/// reminders, from every silo once it has started. The calls run after start-up rather than in it:
/// the first call activates its grain, which may take longer than Orleans' response timeout on a
/// loaded machine or with a long admission queue to read, and a failed start-up task would stop the
/// silo. Here a failed call is logged once and tried again with backoff until it succeeds. Once the
/// admission queue's reminder is there, the silo tells the queue its slots.
/// </summary>
public sealed partial class SingletonReminders(
    IGrainFactory grains, Tasks.TaskAdmission admission, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<SingletonReminders> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            try
            {
                await started.Task.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // The host never started (a later service's start failed): nothing to make sure of.
                return;
            }
        }

        await Task.WhenAll(
            Persistently("retention sweep", () => grains.GetGrain<IRetentionGrain>(0).Start(), stoppingToken),
            Persistently("admission queue", async () =>
            {
                await grains.GetGrain<IAdmissionQueueGrain>(0).Start();
                admission.ReportSlots();
            }, stoppingToken));
    }

    private Task Persistently(string grain, Func<Task> call, CancellationToken stoppingToken) =>
        PersistentCall.RunAsync(call, time, (attempt, failure, wait) =>
        {
            if (attempt == 1)
            {
                Log.StartFailed(logger, grain, wait.TotalSeconds, failure);
            }
        }, stoppingToken);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Starting the {Grain}'s reminder failed; trying again in {Seconds} s and then with backoff until it succeeds")]
        public static partial void StartFailed(ILogger logger, string grain, double seconds, Exception failure);
    }
}
