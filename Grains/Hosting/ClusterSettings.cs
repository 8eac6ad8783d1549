using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>The cluster identity and endpoints, bound from the <c>Cluster</c> configuration section.</summary>
public sealed class ClusterSettings
{
    public const string SectionName = "Cluster";

    [Required, RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string ClusterId { get; set; } = "orleans-tasks";

    [Required, RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string ServiceId { get; set; } = "orleans-tasks";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at; by default this host's first address.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Apply the database schema at start (under the same lock as <c>migrate</c>).</summary>
    public bool MigrateOnStart { get; set; }

    public static ClusterSettings From(IConfiguration configuration)
    {
        var settings = new ClusterSettings();
        configuration.GetSection(SectionName).Bind(settings);
        Validator.ValidateObject(settings, new ValidationContext(settings), validateAllProperties: true);
        if (settings.AdvertisedAddress is { Length: > 0 } address && !IPAddress.TryParse(address, out _))
        {
            throw new ValidationException($"Cluster:AdvertisedAddress '{address}' is not an IP address.");
        }

        return settings;
    }
}
