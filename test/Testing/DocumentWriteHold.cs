using Npgsql;

namespace OrleansTasks.Testing;

/// <summary>
/// Holds every write to the cluster's <c>documents</c> table until released: a transaction with a
/// SHARE lock on the table, so a task keeps <c>processing</c> with its first slice waiting on the
/// lock for as long as a test needs it to (reads go on). Index writes that wait past their command
/// timeout are retried as transient, so a hold of a few seconds changes no outcome.
/// </summary>
public sealed class DocumentWriteHold : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private NpgsqlTransaction? _transaction;

    private DocumentWriteHold(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<DocumentWriteHold> TakeAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("LOCK TABLE documents IN SHARE MODE", connection, transaction);
        await command.ExecuteNonQueryAsync();
        return new DocumentWriteHold(connection, transaction);
    }

    /// <summary>Lets the waiting writes go on.</summary>
    public async Task ReleaseAsync()
    {
        if (_transaction is { } transaction)
        {
            _transaction = null;
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        await _connection.DisposeAsync();
    }
}
