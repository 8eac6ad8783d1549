using Npgsql;

namespace OrleansTasks.Storage.Connections;

/// <summary>How many connections the PostgreSQL server accepts: <c>max_connections</c> less those it keeps for superusers and roles with <c>pg_use_reserved_connections</c>.</summary>
internal sealed record ServerConnectionLimit(int MaxConnections, int Reserved)
{
    /// <summary>The connections an ordinary role may open.</summary>
    public int Available => MaxConnections - Reserved;

    /// <summary>Reads the server's settings (<c>reserved_connections</c> exists from PostgreSQL 16 on).</summary>
    public static async Task<ServerConnectionLimit> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int, " +
            "coalesce(current_setting('reserved_connections', true)::int, 0)",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ServerConnectionLimit(reader.GetInt32(0), reader.GetInt32(1) + reader.GetInt32(2));
    }
}
