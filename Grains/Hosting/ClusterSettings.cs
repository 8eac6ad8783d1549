using System.ComponentModel.DataAnnotations;

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

    public static ClusterSettings From(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var settings = new ClusterSettings();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(SectionName), settings);
        Validator.ValidateObject(settings, new ValidationContext(settings), validateAllProperties: true);
        return settings;
    }
}
