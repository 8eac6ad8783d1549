using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Versions.Compatibility;
using Orleans.Versions.Selector;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// The rule that lets a service keep its package while the cluster is upgraded under it: contracts
/// only grow (new fields under new ids, read by older builds) and silos accept calls from older
/// interface versions. The older package is played by <see cref="PackageOneSnapshot"/>, the
/// snapshot as a package built before tasks gained a queue position, dependencies, batches,
/// schedules and a start time (ids 17–22) knew it.
/// </summary>
[Collection(MemoryClusterCollection.Name)]
public sealed class OlderPackageTests(MemoryCluster cluster)
{
    private const string CurrentAlias = "OrleansTasks.IndexTaskSnapshot";

    /// <summary>As long as the real alias, so that swapping one for the other leaves the payload well formed.</summary>
    private const string OlderAlias = "OrleansTasks.IndexTaskSnapshoP";

    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void A_snapshot_from_a_newer_cluster_is_read_by_an_older_package_which_skips_the_fields_it_does_not_know()
    {
        var taskId = Guid.NewGuid();
        var sent = TaskSnapshots.At(taskId, 7, 100, IndexTaskStatus.Completed, "service:reports") with
        {
            QueuePosition = 3,
            DependsOn = [Guid.NewGuid()],
            BatchId = Guid.NewGuid(),
            ScheduleId = Guid.NewGuid(),
            RunAt = DateTimeOffset.UnixEpoch.AddDays(1),
            FinishedAt = DateTimeOffset.UnixEpoch.AddHours(1),
        };

        var read = Assert.IsType<PackageOneSnapshot>(Serializer.Deserialize<object>(SwapAlias(Serializer.SerializeToArray<object>(sent), CurrentAlias, OlderAlias)));

        Assert.Equal((taskId, "service:reports", IndexTaskStatus.Completed, 100, 7L), (read.TaskId, read.OwnerId, read.Status, read.Progress, read.Seq));
        Assert.Equal(sent.Counts, read.Counts);
        Assert.Equal(sent.FinishedAt, read.FinishedAt);
    }

    [Fact]
    public void A_snapshot_an_older_build_wrote_reads_here_with_empty_lists_and_no_batch_schedule_or_start_time()
    {
        var older = new PackageOneSnapshot
        {
            TaskId = Guid.NewGuid(), OwnerId = "service:reports", Collection = "docs", Status = IndexTaskStatus.Processing, Progress = 40,
            Current = 40, Total = 100, Message = "", Seq = 4, Counts = new TaskCounts(40, 0, 0), CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch,
        };

        var read = Assert.IsType<IndexTaskSnapshot>(Serializer.Deserialize<object>(SwapAlias(Serializer.SerializeToArray<object>(older), OlderAlias, CurrentAlias)));

        Assert.Equal((older.TaskId, 4L, 40), (read.TaskId, read.Seq, read.Progress));
        Assert.Empty(read.DependsOn);
        Assert.Empty(read.AwaitedDependencies);
        Assert.Null(read.BatchId);
        Assert.Null(read.ScheduleId);
        Assert.Null(read.RunAt);
        Assert.False(read.IsTerminal);
    }

    [Fact]
    public void Silos_accept_calls_from_every_older_interface_version()
    {
        var versioning = cluster.SiloServices.GetRequiredService<IOptions<GrainVersioningOptions>>().Value;

        Assert.Equal(nameof(BackwardCompatible), versioning.DefaultCompatibilityStrategy);
        Assert.Equal(nameof(AllCompatibleVersions), versioning.DefaultVersionSelectorStrategy);
    }

    private static byte[] SwapAlias(byte[] payload, string from, string to)
    {
        var text = Encoding.Latin1.GetString(payload);
        Assert.Contains(from, text, StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
    }
}

/// <summary><see cref="IndexTaskSnapshot"/> as an older package knew it: ids 0–16, nothing after.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.IndexTaskSnapshoP")]
public sealed record PackageOneSnapshot
{
    [Id(0)] public required Guid TaskId { get; init; }
    [Id(1)] public required string OwnerId { get; init; }
    [Id(2)] public required string Collection { get; init; }
    [Id(3)] public required IndexTaskStatus Status { get; init; }
    [Id(4)] public required int Progress { get; init; }
    [Id(5)] public required int Current { get; init; }
    [Id(6)] public required int Total { get; init; }
    [Id(7)] public required string Message { get; init; }
    [Id(8)] public required long Seq { get; init; }
    [Id(9)] public required TaskCounts Counts { get; init; }
    [Id(10)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(11)] public required DateTimeOffset UpdatedAt { get; init; }
    [Id(12)] public DateTimeOffset? StartedAt { get; init; }
    [Id(13)] public DateTimeOffset? FinishedAt { get; init; }
    [Id(14)] public TaskError? Error { get; init; }
    [Id(15)] public string? CancelledBy { get; init; }
    [Id(16)] public TaskResultPreview? Result { get; init; }
}
