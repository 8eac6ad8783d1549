using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>The cluster identity and endpoints, bound from the <c>Cluster</c> configuration section.</summary>
public sealed class ClusterSettings : IValidatableObject
{
    private const string NamePattern = "^[A-Za-z0-9_.-]{1,64}$";
    private const string NameRule = "{0} must be 1 to 64 letters, digits, '_', '.' or '-'.";

    public const string SectionName = "Cluster";

    [Required(ErrorMessage = NameRule), RegularExpression(NamePattern, ErrorMessage = NameRule)]
    public string ClusterId { get; set; } = "orleans-tasks";

    [Required(ErrorMessage = NameRule), RegularExpression(NamePattern, ErrorMessage = NameRule)]
    public string ServiceId { get; set; } = "orleans-tasks";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at; by default this host's first address.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Apply the database schema at start (under the same lock as <c>migrate</c>).</summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>The section's settings; a bad value stops the start with a <see cref="StartupException"/>.</summary>
    public static ClusterSettings From(IConfiguration configuration) => StartupSettings.Read<ClusterSettings>(configuration, SectionName);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AdvertisedAddress is { Length: > 0 } address && !IPAddress.TryParse(address, out _))
        {
            yield return new ValidationResult($"AdvertisedAddress '{address}' is not an IP address.", [nameof(AdvertisedAddress)]);
        }
    }
}
