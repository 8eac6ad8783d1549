using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using OrleansTasks.Tasks;

namespace OrleansTasks.Hosting;

/// <summary>
/// The silo's part of the <c>Streams</c> section: how the task stream provider's queues are read
/// (their number, which clients share, is <see cref="TaskStreamQueues"/>). The defaults are
/// tuned for live progress (see BENCHMARKS.md): Orleans' own read each queue every 100 ms and
/// hand a subscriber one event per call.
/// </summary>
/// <remarks>
/// Each read is a call to the queue's grain, made whether or not events wait, and a queue's grain
/// need not live on the silo whose agent reads it. At 5 ms two silos ran small tasks at 0.63–1.06×
/// one silo's rate, at 100 ms at 1.11× (BENCHMARKS.md, "Compilation and the queues' polling"); 5 ms
/// stays the default because at 20 ms a large fan-out (5,000 sockets on one task) missed its latency
/// target. Keeping each queue's grain on its reader's silo was tried and did not change the rate
/// under load (BENCHMARKS.md, "Each queue's grain beside its reader").
/// </remarks>
public sealed class TaskStreamSettings
{
    public const string SectionName = "Streams";

    /// <summary>How often each pulling agent looks for new events: the most an event waits before delivery starts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan PollingPeriod { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Events of one stream handed to a subscriber in one call when it has fallen behind. Large, so
    /// that a gateway that was overloaded catches up in a few calls (its sockets keep only the
    /// newest) instead of replaying a backlog for seconds.
    /// </summary>
    [Range(1, 10_000)]
    public int DeliveryBatchSize { get; set; } = 512;

    /// <summary>
    /// How long the pulling agents keep an event once read. Subscribers only need the newest (one
    /// that falls further behind is read back from its grain); Orleans' default keeps every event
    /// for five minutes, which at 10,000 events a second is gigabytes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CacheRetention { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Read while the host is built, before options validation runs: a bad value stops the start with a <see cref="StartupException"/>.</summary>
    public static TaskStreamSettings From(IConfiguration configuration) => StartupSettings.Read<TaskStreamSettings>(configuration, SectionName);

    public void ConfigureAgent(StreamPullingAgentOptions agent, TasksOptions tasks)
    {
        agent.StreamInactivityPeriod = tasks.StreamInactivityPeriod;
        agent.GetQueueMsgsTimerPeriod = PollingPeriod;
        agent.BatchContainerBatchSize = DeliveryBatchSize;
    }

    public void ConfigureCache(StreamCacheEvictionOptions cache)
    {
        cache.DataMinTimeInCache = CacheRetention;
        cache.DataMaxAgeInCache = CacheRetention;
    }
}
