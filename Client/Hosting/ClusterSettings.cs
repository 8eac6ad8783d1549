using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>The cluster identity and endpoints, bound from the <c>Cluster</c> configuration section.</summary>
internal sealed class ClusterSettings : IValidatableObject
{
    private const string NamePattern = "^[A-Za-z0-9_.-]{1,64}$";
    private const string NameRule = "{0} must be 1 to 64 letters, digits, '_', '.' or '-'.";

    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster";

    /// <summary>The name of this deployment's cluster; silos and clients of one deployment share it.</summary>
    [Required(ErrorMessage = NameRule), RegularExpression(NamePattern, ErrorMessage = NameRule)]
    public string ClusterId { get; set; } = "orleans-tasks";

    /// <summary>The name of the service, which keys its stored state; the same for every silo and client, and across deployments of it.</summary>
    [Required(ErrorMessage = NameRule), RegularExpression(NamePattern, ErrorMessage = NameRule)]
    public string ServiceId { get; set; } = "orleans-tasks";

    /// <summary>The port silos talk to each other on.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port a silo accepts clients on; without a database, the port a client dials on this host.</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at; by default this host's first address.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Apply the database schema at start (under the same lock as <c>migrate</c>).</summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>The section's settings; a bad value stops the start with a <see cref="StartupException"/>.</summary>
    public static ClusterSettings From(IConfiguration configuration) => StartupSettings.Read<ClusterSettings>(configuration, SectionName);

    /// <summary>Checks what the attributes cannot: the advertised address is an IP address.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AdvertisedAddress is { Length: > 0 } address && !IPAddress.TryParse(address, out _))
        {
            yield return new ValidationResult($"AdvertisedAddress '{address}' is not an IP address.", [nameof(AdvertisedAddress)]);
        }
    }
}
