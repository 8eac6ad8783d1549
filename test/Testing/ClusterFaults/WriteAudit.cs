using Npgsql;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// Which process wrote what, as PostgreSQL saw it: triggers on the grain-state and document tables
/// record every statement sent (an attempt, even one that changed no row, such as a write refused
/// for a stale version) and every row it changed (a write that took effect), with the session's
/// <c>application_name</c> and the database's clock. A silo is told apart by an
/// <c>Application Name</c> in its connection string, which the product keeps as a prefix.
/// </summary>
public sealed class WriteAudit(string database)
{
    /// <summary>The grain type of Orleans' stream pub-sub state, as the storage provider names it.</summary>
    private const string OrleansPubSubGrain = "PubSubRendezvousGrain";

    private const string Install = """
        CREATE TABLE fault_audit (
            table_name text NOT NULL,
            application_name text NOT NULL,
            kind text NOT NULL,
            detail text,
            at timestamptz NOT NULL DEFAULT clock_timestamp());
        CREATE FUNCTION fault_audit_statement() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            INSERT INTO fault_audit (table_name, application_name, kind) VALUES (TG_TABLE_NAME, current_setting('application_name'), 'attempt');
            RETURN NULL;
        END $f$;
        CREATE FUNCTION fault_audit_state_row() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            INSERT INTO fault_audit (table_name, application_name, kind, detail) VALUES (TG_TABLE_NAME, current_setting('application_name'), 'write',
                format('%s %s %s/%s version %s to %s', TG_OP, OLD.grain_type, OLD.grain_id_n0, OLD.grain_id_n1, OLD.version,
                       CASE WHEN TG_OP = 'UPDATE' THEN NEW.version END));
            RETURN NULL;
        END $f$;
        CREATE FUNCTION fault_audit_document_row() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            INSERT INTO fault_audit (table_name, application_name, kind, detail) VALUES (TG_TABLE_NAME, current_setting('application_name'), 'write',
                format('%s %s/%s', TG_OP, NEW.collection, NEW.document_id));
            RETURN NULL;
        END $f$;
        CREATE TRIGGER fault_audit_state_attempt AFTER UPDATE OR DELETE ON orleans_grain_state FOR EACH STATEMENT EXECUTE FUNCTION fault_audit_statement();
        CREATE TRIGGER fault_audit_state_write AFTER UPDATE OR DELETE ON orleans_grain_state FOR EACH ROW EXECUTE FUNCTION fault_audit_state_row();
        CREATE TRIGGER fault_audit_documents_attempt AFTER INSERT ON documents FOR EACH STATEMENT EXECUTE FUNCTION fault_audit_statement();
        CREATE TRIGGER fault_audit_documents_write AFTER INSERT OR UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION fault_audit_document_row();
        """;

    /// <summary>Adds the audit's table and triggers to <paramref name="database"/> (a test database, migrated).</summary>
    public static async Task<WriteAudit> InstallAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Install, connection);
        await command.ExecuteNonQueryAsync();
        return new WriteAudit(database);
    }

    /// <summary><paramref name="database"/> as the process named <paramref name="name"/> connects to it.</summary>
    public static string ConnectionFor(string database, string name) =>
        new NpgsqlConnectionStringBuilder(database) { ApplicationName = name }.ConnectionString;

    /// <summary>The database's clock now, to compare with the audit's times.</summary>
    public async Task<DateTime> NowAsync()
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT clock_timestamp()", connection);
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Statements sent and rows changed in grain state and documents by the process <paramref name="name"/> after <paramref name="since"/>.</summary>
    /// <remarks>
    /// Orleans' own stream pub-sub rows are left out: a zombie's rendezvous activation may still save
    /// its registrations, which its ETag allows only while no live silo has changed that row since, so
    /// such a write never overwrites a newer one. The product's rows (tasks, batches, schedules, result
    /// chunks, documents) are all counted.
    /// </remarks>
    public async Task<AuditCounts> CountAsync(string name, DateTime since)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FILTER (WHERE table_name = 'orleans_grain_state' AND kind = 'attempt' AND split_part(detail, ' ', 2) <> @pubsub),
                   count(*) FILTER (WHERE table_name = 'orleans_grain_state' AND kind = 'write' AND split_part(detail, ' ', 2) <> @pubsub),
                   count(*) FILTER (WHERE table_name = 'documents' AND kind = 'attempt'),
                   count(*) FILTER (WHERE table_name = 'documents' AND kind = 'write')
            FROM fault_audit
            WHERE (application_name = @name OR application_name LIKE @prefix) AND at > @since
            """, connection);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("prefix", name + " %");
        command.Parameters.AddWithValue("since", since);
        command.Parameters.AddWithValue("pubsub", OrleansPubSubGrain);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new AuditCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>
    /// The grains of a type whose <paramref name="grainType"/> contains the given text that more than one
    /// process changed after <paramref name="since"/>, each with the processes that did.
    /// </summary>
    public async Task<List<string>> GrainsWrittenByMoreThanOneAsync(string grainType, DateTime since)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT split_part(detail, ' ', 3) || ' by ' || string_agg(DISTINCT application_name, ', ') FROM fault_audit
            WHERE table_name = 'orleans_grain_state' AND kind = 'write' AND at > @since AND split_part(detail, ' ', 2) LIKE '%' || @type || '%'
            GROUP BY split_part(detail, ' ', 3)
            HAVING count(DISTINCT application_name) > 1
            """, connection);
        command.Parameters.AddWithValue("type", grainType);
        command.Parameters.AddWithValue("since", since);
        var grains = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            grains.Add(reader.GetString(0));
        }

        return grains;
    }

    /// <summary>
    /// For each grain of a type containing <paramref name="grainType"/> that the process <paramref name="name"/>
    /// changed in the <paramref name="window"/> before <paramref name="at"/> (the grains it was running then):
    /// when another process first changed it after <paramref name="at"/>, or null if none has yet.
    /// </summary>
    public async Task<List<DateTime?>> TakenOverAsync(string name, string grainType, DateTime at, TimeSpan window)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            WITH held AS (
                SELECT DISTINCT split_part(detail, ' ', 3) AS grain FROM fault_audit
                WHERE table_name = 'orleans_grain_state' AND kind = 'write' AND (application_name = @name OR application_name LIKE @prefix)
                  AND at BETWEEN @from AND @at AND split_part(detail, ' ', 2) LIKE '%' || @type || '%')
            SELECT (SELECT min(a.at) FROM fault_audit a
                    WHERE a.table_name = 'orleans_grain_state' AND a.kind = 'write' AND a.at > @at AND split_part(a.detail, ' ', 3) = held.grain
                      AND a.application_name <> @name AND a.application_name NOT LIKE @prefix)
            FROM held
            """, connection);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("prefix", name + " %");
        command.Parameters.AddWithValue("type", grainType);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("from", at - window);
        var firsts = new List<DateTime?>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            firsts.Add(reader.IsDBNull(0) ? null : reader.GetDateTime(0));
        }

        return firsts;
    }

    /// <summary>The rows the process <paramref name="name"/> changed after <paramref name="since"/>: operation, grain or document, version.</summary>
    public async Task<List<string>> WritesAsync(string name, DateTime since)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT to_char(at, 'HH24:MI:SS.MS') || ' ' || application_name || ': ' || detail FROM fault_audit
            WHERE (application_name = @name OR application_name LIKE @prefix) AND at > @since AND kind = 'write'
            ORDER BY at
            """, connection);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("prefix", name + " %");
        command.Parameters.AddWithValue("since", since);
        var writes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            writes.Add(reader.GetString(0));
        }

        return writes;
    }
}

/// <summary>Statements sent (<c>Attempts</c>) and rows changed (<c>Writes</c>) in the grain-state and document tables.</summary>
public sealed record AuditCounts(long StateAttempts, long StateWrites, long DocumentAttempts, long DocumentWrites);
