using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTasks.Storage.Schema;

/// <summary>
/// Checks at start that the cluster database is reachable and has this build's schema, and
/// describes what is wrong in one line (host, port, database, what to do) when it is not.
/// </summary>
public static class ClusterDatabase
{
    public const string ConnectionStringName = Hosting.StorageMode.ConnectionStringName;

    /// <summary>Throws <see cref="SchemaException"/> with an operator-facing line; migrates first when <paramref name="migrate"/>.</summary>
    public static async Task EnsureReadyAsync(string connectionString, bool migrate, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        var where = Describe(connectionString);
        try
        {
            if (migrate)
            {
                await new SchemaMigrator(loggers.CreateLogger<SchemaMigrator>()).MigrateAsync(connectionString, cancellationToken);
            }

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            var version = await SchemaMigrator.CurrentVersionAsync(connection, cancellationToken);
            if (version < Migrations.Latest)
            {
                throw new SchemaException(version == 0
                    ? $"{where} has no OrleansTasks schema: run 'dotnet run --project Silo -- migrate' (or 'Silo migrate') first."
                    : $"{where} has schema version {version}, this build needs {Migrations.Latest}: run 'dotnet run --project Silo -- migrate'.");
            }

            if (version > Migrations.Latest)
            {
                throw new SchemaException($"{where} has schema version {version}, newer than this build ({Migrations.Latest}).");
            }
        }
        catch (SchemaException exception) when (!exception.Message.StartsWith(where, StringComparison.Ordinal))
        {
            throw new SchemaException($"{where}: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is NpgsqlException or SocketException or TimeoutException)
        {
            throw new SchemaException($"cannot use {where}: {Reason(exception)}", exception);
        }
    }

    /// <summary><c>PostgreSQL database 'x' at host:port</c>, without credentials.</summary>
    public static string Describe(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return $"PostgreSQL database '{builder.Database ?? builder.Username}' at {builder.Host}:{builder.Port}";
        }
        catch (ArgumentException)
        {
            return "PostgreSQL (the connection string ConnectionStrings:OrleansTasks could not be parsed)";
        }
    }

    private static string Reason(Exception exception) => exception switch
    {
        PostgresException postgres => $"{postgres.MessageText} ({postgres.SqlState})",
        NpgsqlException { InnerException: SocketException socket } => socket.Message,
        _ => exception.Message,
    };
}
