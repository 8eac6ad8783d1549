using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>
/// The part of the <c>Streams</c> section every silo and client must agree on: how many queues the
/// task stream provider spreads streams over. How silos read those queues is theirs alone.
/// </summary>
internal sealed class TaskStreamQueues
{
    /// <summary>The configuration section, shared with the silos' stream settings.</summary>
    public const string SectionName = "Streams";

    /// <summary>Queues the streams are spread over; each is read by one pulling agent. Must be the same on every silo and client.</summary>
    [Range(1, 1024)]
    public int Queues { get; set; } = 4;

    /// <summary>Read while the host is built: a bad value stops the start with a <see cref="StartupException"/>.</summary>
    public static TaskStreamQueues From(IConfiguration configuration) => StartupSettings.Read<TaskStreamQueues>(configuration, SectionName);
}
