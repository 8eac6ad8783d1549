using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>The <c>Database</c> section: how many PostgreSQL connections this process may hold at most.</summary>
internal sealed class DatabaseSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Database";

    /// <summary>
    /// This process's share of the server's <c>max_connections</c>, divided among its pools
    /// (see <see cref="Storage.Connections.ConnectionBudget"/>); unset, the role's default.
    /// </summary>
    [Range(1, 10_000)]
    public int? MaxConnections { get; set; }

    /// <summary>The section's settings; a bad value stops the start with a <see cref="StartupException"/>.</summary>
    public static DatabaseSettings From(IConfiguration configuration) => StartupSettings.Read<DatabaseSettings>(configuration, SectionName);
}
