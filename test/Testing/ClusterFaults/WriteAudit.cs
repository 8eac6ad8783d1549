using Npgsql;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// Which process wrote what, as PostgreSQL saw it: triggers on the tables a task writes (grain
/// state: tasks, batches, schedules; result chunks and task fences; documents: the index; task history) record
/// every statement sent, INSERT, UPDATE or DELETE (an attempt, even one that changed no row, such as
/// a write refused for a stale version or an older history row) and every row it changed (a write that took effect), with the session's
/// <c>application_name</c> and the database's clock; and when the membership table first called a silo dead.
/// A silo is told apart by an <c>Application Name</c> in its connection string, which the product keeps as a prefix.
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
            grain text,
            at timestamptz NOT NULL DEFAULT clock_timestamp());
        CREATE FUNCTION fault_audit_statement() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            -- An upsert fires this for its INSERT and for its UPDATE: the detail names the statement, counted once.
            INSERT INTO fault_audit (table_name, application_name, kind, detail)
            VALUES (TG_TABLE_NAME, current_setting('application_name'), 'attempt', format('%s %s', txid_current(), statement_timestamp()));
            RETURN NULL;
        END $f$;
        CREATE FUNCTION fault_audit_state_row() RETURNS trigger LANGUAGE plpgsql AS $f$
        DECLARE r orleans_grain_state;
        BEGIN
            r := CASE WHEN TG_OP = 'INSERT' THEN NEW ELSE OLD END;
            INSERT INTO fault_audit (table_name, application_name, kind, detail, grain) VALUES (TG_TABLE_NAME, current_setting('application_name'), 'write',
                format('%s %s %s/%s version %s to %s', TG_OP, r.grain_type, r.grain_id_n0, r.grain_id_n1,
                       CASE WHEN TG_OP <> 'INSERT' THEN OLD.version END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.version END),
                -- The row's whole key, as the table's unique index has it (a string key's text included).
                format('%s %s/%s/%s', r.grain_type, r.grain_id_n0, r.grain_id_n1, coalesce(r.grain_id_extension, '')));
            RETURN NULL;
        END $f$;
        CREATE FUNCTION fault_audit_membership_dead() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            IF NEW.status = 6 AND (TG_OP = 'INSERT' OR OLD.status <> 6) THEN
                INSERT INTO fault_audit (table_name, application_name, kind, detail)
                VALUES (TG_TABLE_NAME, current_setting('application_name'), 'dead', format('%s %s %s', NEW.address, NEW.port, NEW.generation));
            END IF;
            RETURN NULL;
        END $f$;
        CREATE FUNCTION fault_audit_document_row() RETURNS trigger LANGUAGE plpgsql AS $f$
        DECLARE r documents;
        BEGIN
            r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            INSERT INTO fault_audit (table_name, application_name, kind, detail) VALUES (TG_TABLE_NAME, current_setting('application_name'), 'write',
                format('%s %s/%s', TG_OP, r.collection, r.document_id));
            RETURN NULL;
        END $f$;
        CREATE FUNCTION fault_audit_history_row() RETURNS trigger LANGUAGE plpgsql AS $f$
        DECLARE r task_history;
        BEGIN
            r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            INSERT INTO fault_audit (table_name, application_name, kind, detail) VALUES (TG_TABLE_NAME, current_setting('application_name'), 'write',
                format('%s task %s %s %s seq %s', TG_OP, r.task_id, r.status, r.current, r.seq));
            RETURN NULL;
        END $f$;
        CREATE FUNCTION fault_audit_chunk_row() RETURNS trigger LANGUAGE plpgsql AS $f$
        DECLARE r task_result_chunks;
        BEGIN
            r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            INSERT INTO fault_audit (table_name, application_name, kind, detail) VALUES (TG_TABLE_NAME, current_setting('application_name'), 'write',
                format('%s task %s chunk %s fence %s', TG_OP, r.task_id, r.number, r.fence));
            RETURN NULL;
        END $f$;
        CREATE FUNCTION fault_audit_fence_row() RETURNS trigger LANGUAGE plpgsql AS $f$
        DECLARE r task_result_fences;
        BEGIN
            r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            INSERT INTO fault_audit (table_name, application_name, kind, detail) VALUES (TG_TABLE_NAME, current_setting('application_name'), 'write',
                format('%s task %s fence %s', TG_OP, r.task_id, r.fence));
            RETURN NULL;
        END $f$;
        CREATE TRIGGER fault_audit_chunks_attempt AFTER INSERT OR UPDATE OR DELETE ON task_result_chunks FOR EACH STATEMENT EXECUTE FUNCTION fault_audit_statement();
        CREATE TRIGGER fault_audit_chunks_write AFTER INSERT OR UPDATE OR DELETE ON task_result_chunks FOR EACH ROW EXECUTE FUNCTION fault_audit_chunk_row();
        CREATE TRIGGER fault_audit_fences_attempt AFTER INSERT OR UPDATE OR DELETE ON task_result_fences FOR EACH STATEMENT EXECUTE FUNCTION fault_audit_statement();
        CREATE TRIGGER fault_audit_fences_write AFTER INSERT OR UPDATE OR DELETE ON task_result_fences FOR EACH ROW EXECUTE FUNCTION fault_audit_fence_row();
        CREATE TRIGGER fault_audit_state_attempt AFTER INSERT OR UPDATE OR DELETE ON orleans_grain_state FOR EACH STATEMENT EXECUTE FUNCTION fault_audit_statement();
        CREATE TRIGGER fault_audit_state_write AFTER INSERT OR UPDATE OR DELETE ON orleans_grain_state FOR EACH ROW EXECUTE FUNCTION fault_audit_state_row();
        CREATE TRIGGER fault_audit_documents_attempt AFTER INSERT OR UPDATE OR DELETE ON documents FOR EACH STATEMENT EXECUTE FUNCTION fault_audit_statement();
        CREATE TRIGGER fault_audit_documents_write AFTER INSERT OR UPDATE OR DELETE ON documents FOR EACH ROW EXECUTE FUNCTION fault_audit_document_row();
        CREATE TRIGGER fault_audit_history_attempt AFTER INSERT OR UPDATE OR DELETE ON task_history FOR EACH STATEMENT EXECUTE FUNCTION fault_audit_statement();
        CREATE TRIGGER fault_audit_history_write AFTER INSERT OR UPDATE OR DELETE ON task_history FOR EACH ROW EXECUTE FUNCTION fault_audit_history_row();
        CREATE TRIGGER fault_audit_membership_dead AFTER INSERT OR UPDATE ON orleans_membership FOR EACH ROW EXECUTE FUNCTION fault_audit_membership_dead();
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

    /// <summary>Statements sent and rows changed in grain state, documents, task history and result chunks by the process <paramref name="name"/> after <paramref name="since"/>.</summary>
    /// <remarks>
    /// Orleans' own stream pub-sub rows are left out of the rows changed (a statement cannot tell
    /// whose rows it is about, so the statements sent include them): a zombie's rendezvous activation may still save
    /// its registrations, which its ETag allows only while no live silo has changed that row since, so
    /// such a write never overwrites a newer one. The product's rows (tasks, batches, schedules, result
    /// chunks, documents) are all counted.
    /// </remarks>
    public async Task<AuditCounts> CountAsync(string name, DateTime since)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(DISTINCT detail) FILTER (WHERE table_name = 'orleans_grain_state' AND kind = 'attempt'),
                   count(*) FILTER (WHERE table_name = 'orleans_grain_state' AND kind = 'write' AND split_part(detail, ' ', 2) <> @pubsub),
                   count(DISTINCT detail) FILTER (WHERE table_name = 'documents' AND kind = 'attempt'),
                   count(*) FILTER (WHERE table_name = 'documents' AND kind = 'write'),
                   count(DISTINCT detail) FILTER (WHERE table_name = 'task_history' AND kind = 'attempt'),
                   count(*) FILTER (WHERE table_name = 'task_history' AND kind = 'write'),
                   count(DISTINCT detail) FILTER (WHERE table_name IN ('task_result_chunks', 'task_result_fences') AND kind = 'attempt'),
                   count(*) FILTER (WHERE table_name IN ('task_result_chunks', 'task_result_fences') AND kind = 'write')
            FROM fault_audit
            WHERE (application_name = @name OR application_name LIKE @prefix) AND at > @since
            """, connection);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("prefix", name + " %");
        command.Parameters.AddWithValue("since", since);
        command.Parameters.AddWithValue("pubsub", OrleansPubSubGrain);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new AuditCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
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

    /// <summary>
    /// The grain-state rows the process <paramref name="name"/> changed after another process had
    /// changed the same grain (any type; the row's whole key) since <paramref name="since"/>, each with the
    /// first such change by another. Over a partition this is a split brain: the silo declared dead kept a
    /// grain's activation, or made a second one, after a live silo had taken the grain over. ETags make a
    /// stale activation's write fail; one that succeeds wrote on a version it could only have read after
    /// the takeover.
    /// </summary>
    public async Task<List<string>> WritesAfterAnotherAsync(string name, DateTime since)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT to_char(mine.at, 'HH24:MI:SS.MS') || ' ' || mine.application_name || ': ' || mine.detail
                   || ', after ' || theirs.application_name || ' at ' || to_char(theirs.at, 'HH24:MI:SS.MS') || ': ' || theirs.detail
            FROM fault_audit mine
            CROSS JOIN LATERAL (
                SELECT other.application_name, other.at, other.detail FROM fault_audit other
                WHERE other.table_name = 'orleans_grain_state' AND other.kind = 'write' AND other.grain = mine.grain
                  AND other.at > @since AND other.at < mine.at
                  AND other.application_name <> @name AND other.application_name NOT LIKE @prefix
                ORDER BY other.at
                LIMIT 1) theirs
            WHERE mine.table_name = 'orleans_grain_state' AND mine.kind = 'write' AND mine.at > @since
              AND (mine.application_name = @name OR mine.application_name LIKE @prefix)
            ORDER BY mine.at
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

    /// <summary>When the membership table first called a silo at <paramref name="address"/> dead (any port and generation), by the database's clock; null if it never has.</summary>
    public async Task<DateTime?> DeclaredDeadAsync(string address)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT min(at) FROM fault_audit WHERE table_name = 'orleans_membership' AND kind = 'dead' AND split_part(detail, ' ', 1) = @address
            """, connection);
        command.Parameters.AddWithValue("address", address);
        return await command.ExecuteScalarAsync() is DateTime at ? at : null;
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

/// <summary>Statements sent (<c>Attempts</c>) and rows changed (<c>Writes</c>) in the grain-state, document, task-history and result-chunk tables.</summary>
public sealed record AuditCounts(long StateAttempts, long StateWrites, long DocumentAttempts, long DocumentWrites, long HistoryAttempts, long HistoryWrites, long ResultAttempts = 0, long ResultWrites = 0)
{
    public long Attempts => StateAttempts + DocumentAttempts + HistoryAttempts + ResultAttempts;

    public long Writes => StateWrites + DocumentWrites + HistoryWrites + ResultWrites;
}
