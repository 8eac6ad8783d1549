using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.CodeGeneration;
using Orleans.Metadata;

namespace OrleansTasks;

/// <summary>
/// Whether every silo of the cluster serves a grain interface at the version this build declares. Orleans
/// places a new activation only on a silo that serves the interface and version of the call, but a call to an
/// activation that lives already on a silo of an earlier release is sent there, and that silo cannot read a
/// method it does not know. A call added in a release is therefore made once every silo serves it, that is
/// once a rolling upgrade has replaced the last silo of the earlier release.
/// </summary>
public static class ClusterSupport
{
    /// <summary>
    /// Whether every silo in the cluster manifest that <paramref name="services"/> (a silo's or a client's)
    /// hold serves <typeparamref name="TGrainInterface"/> at its <see cref="VersionAttribute"/> or later.
    /// </summary>
    public static bool EverySiloServes<TGrainInterface>(IServiceProvider services)
        where TGrainInterface : IAddressable
    {
        ArgumentNullException.ThrowIfNull(services);
        var manifest = services.GetRequiredService<IClusterManifestProvider>().Current;
        var interfaceType = services.GetRequiredService<GrainInterfaceTypeResolver>().GetGrainInterfaceType(typeof(TGrainInterface));
        var version = typeof(TGrainInterface).GetCustomAttribute<VersionAttribute>()?.Version ?? 0;
        return EverySiloServes(manifest, interfaceType, version);
    }

    /// <summary>Whether every silo (clients aside) of <paramref name="manifest"/> serves <paramref name="interfaceType"/> at <paramref name="version"/> or later.</summary>
    public static bool EverySiloServes(ClusterManifest manifest, GrainInterfaceType interfaceType, ushort version)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Silos
            .Where(silo => !silo.Key.IsClient)
            .All(silo => silo.Value.Interfaces.TryGetValue(interfaceType, out var served) && VersionOf(served) >= version);
    }

    /// <summary>
    /// Whether <paramref name="exception"/> is a call on <typeparamref name="TGrainInterface"/> that reached a silo
    /// which does not know the interface: that silo could not read the call's body, whose type Orleans names by the
    /// interface's alias, and answered the <see cref="TypeLoadException"/> it met (seen with Orleans 10.4.2:
    /// <c>Unable to parse or load type "OrleansTasks.ITaskRetry"</c>). A silo of an earlier release meets it when
    /// the caller's cluster manifest has not listed that silo yet, the window
    /// <see cref="EverySiloServes{TGrainInterface}(IServiceProvider)"/> cannot close.
    /// </summary>
    public static bool UnknownToSilo<TGrainInterface>(Exception exception)
        where TGrainInterface : IAddressable
    {
        ArgumentNullException.ThrowIfNull(exception);
        var alias = typeof(TGrainInterface).GetCustomAttribute<AliasAttribute>()?.Alias ?? typeof(TGrainInterface).FullName;
        return exception is TypeLoadException && exception.Message.Contains($"\"{alias}\"", StringComparison.Ordinal);
    }

    // Orleans writes an interface's version as this property; an interface without one is version 0.
    private static ushort VersionOf(GrainInterfaceProperties served) =>
        served.Properties.TryGetValue(WellKnownGrainInterfaceProperties.Version, out var text)
        && ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : (ushort)0;
}
