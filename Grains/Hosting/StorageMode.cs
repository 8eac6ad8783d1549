using Microsoft.Extensions.Configuration;
using OrleansTasks.Storage.Schema;

namespace OrleansTasks.Hosting;

/// <summary>Where a process keeps its state: PostgreSQL when <c>ConnectionStrings:OrleansTasks</c> is set, else memory.</summary>
public static class StorageMode
{
    public const string AdoNetInvariant = "Npgsql";

    public static string? ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ClusterDatabase.ConnectionStringName) is { Length: > 0 } value ? value : null;
}
