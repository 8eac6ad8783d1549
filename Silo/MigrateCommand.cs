using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OrleansTasks.Hosting;
using OrleansTasks.Storage.Schema;

namespace OrleansTasks.Silo;

/// <summary><c>migrate</c>: applies the schema to <c>ConnectionStrings:OrleansTasks</c> and exits; running it again changes nothing.</summary>
internal static class MigrateCommand
{
    public const string Name = "migrate";

    public static async Task<int> RunAsync(IConfiguration configuration)
    {
        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        if (StorageMode.ConnectionString(configuration) is not { } connectionString)
        {
            await Console.Error.WriteLineAsync("migrate: ConnectionStrings:OrleansTasks is not set (e.g. ConnectionStrings__OrleansTasks='Host=...;Database=...').");
            return 2;
        }

        try
        {
            var applied = await new SchemaMigrator(loggers.CreateLogger<SchemaMigrator>()).MigrateAsync(connectionString);
            Console.WriteLine(applied.Count == 0
                ? $"{ClusterDatabase.Describe(connectionString)} is up to date at schema version {Migrations.Latest}."
                : $"{ClusterDatabase.Describe(connectionString)} migrated to schema version {Migrations.Latest} (applied {string.Join(", ", applied)}).");
            return 0;
        }
        catch (SchemaException exception)
        {
            await Console.Error.WriteLineAsync($"migrate: {ClusterDatabase.Describe(connectionString)}: {exception.Message}");
            return 1;
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync($"migrate: cannot use {ClusterDatabase.Describe(connectionString)}: {exception.Message}");
            return 1;
        }
    }
}
