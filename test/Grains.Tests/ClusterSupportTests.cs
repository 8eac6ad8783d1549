using System.Collections.Immutable;
using System.Net;
using Orleans.Metadata;

namespace OrleansTasks.Grains.Tests;

/// <summary>Whether every silo serves an interface: what a rolling upgrade looks like in the cluster manifest.</summary>
public sealed class ClusterSupportTests
{
    private static readonly GrainInterfaceType Retry = GrainInterfaceType.Create("OrleansTasks.ITaskRetry");
    private static readonly GrainInterfaceType Task = GrainInterfaceType.Create("OrleansTasks.IIndexTaskGrain");

    private static GrainManifest Serving(params (GrainInterfaceType Type, ushort? Version)[] interfaces) => new(
        ImmutableDictionary<GrainType, GrainProperties>.Empty,
        interfaces.ToImmutableDictionary(
            served => served.Type,
            served => new GrainInterfaceProperties(served.Version is { } version
                ? Properties.Add(WellKnownGrainInterfaceProperties.Version, version.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : Properties)));

    // Orleans requires ordinal keys in manifest properties.
    private static ImmutableDictionary<string, string> Properties => ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);

    private static ClusterManifest Cluster(params (int Generation, GrainManifest Manifest)[] members) => new(
        new MajorMinorVersion(1, 1),
        members.ToImmutableDictionary(member => SiloAddress.New(IPAddress.Loopback, 11111 + Math.Abs(member.Generation), member.Generation), member => member.Manifest));

    [Fact]
    public void A_cluster_of_this_release_serves_the_retry()
    {
        var manifest = Cluster((1, Serving((Task, null), (Retry, 1))), (2, Serving((Task, null), (Retry, 1))));

        Assert.True(ClusterSupport.EverySiloServes(manifest, Retry, 1));
    }

    [Fact]
    public void A_silo_of_an_earlier_release_without_the_interface_holds_it_back()
    {
        var manifest = Cluster((1, Serving((Task, null))), (2, Serving((Task, null), (Retry, 1))));

        Assert.False(ClusterSupport.EverySiloServes(manifest, Retry, 1));
        Assert.True(ClusterSupport.EverySiloServes(manifest, Task, 0));
    }

    [Fact]
    public void A_silo_serving_an_earlier_version_holds_it_back_and_a_later_one_does_not()
    {
        Assert.False(ClusterSupport.EverySiloServes(Cluster((1, Serving((Retry, null))), (2, Serving((Retry, 1)))), Retry, 1));
        Assert.True(ClusterSupport.EverySiloServes(Cluster((1, Serving((Retry, 2))), (2, Serving((Retry, 1)))), Retry, 1));
    }

    [Fact]
    public void Clients_in_the_manifest_do_not_count()
    {
        // A client (negative generation) serves no grain interface.
        var manifest = Cluster((1, Serving((Retry, 1))), (-3, Serving()));

        Assert.True(ClusterSupport.EverySiloServes(manifest, Retry, 1));
    }
}
