using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Indexing;
using OrleansTasks.Testing;
using static OrleansTasks.Testing.DatabaseCommands;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A slice's writes in the PostgreSQL index: what it reports per document, and that a row a concurrent
/// writer inserts, changes or removes between the slice's lookup and its writes ends as the upsert alone
/// would leave it. The concurrent writer holds its change uncommitted, so the slice's write waits on it
/// after the lookup, and commits once that wait is seen.
/// </summary>
public sealed class PostgresSliceWriteTests(PostgresServer postgres)
{
    private const string Collection = "c";

    private static HashedDocument Document(string id, string content) => new(id, "title " + id, content, ContentHash.Sha256Hex(content));

    private static async Task<IReadOnlyList<IndexWrite>> WriteAsync(NpgsqlDataSource source, Guid task, params HashedDocument[] documents) =>
        await new PostgresDocumentIndex(source, NullLogger<PostgresDocumentIndex>.Instance)
            .UpsertAsync(Collection, task, documents, TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_slice_reports_new_changed_unchanged_and_already_written_documents()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(database);
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());

        var written = await WriteAsync(source, first, Document("a", "alpha"), Document("b", "beta"));
        var again = await WriteAsync(source, first, Document("a", "alpha"), Document("b", "beta"));
        var other = await WriteAsync(source, second, Document("a", "alpha"), Document("b", "beta two"), Document("c", "gamma"));

        Assert.Equal([IndexWrite.Written, IndexWrite.Written], written);
        Assert.Equal([IndexWrite.AlreadyWrittenByThisTask, IndexWrite.AlreadyWrittenByThisTask], again);
        Assert.Equal([IndexWrite.Unchanged, IndexWrite.Written, IndexWrite.Written], other);
        Assert.Equal(4, await ScalarAsync(database, "SELECT sum(write_count) FROM documents"));
        Assert.Equal(1, await ScalarAsync(database, $"SELECT count(*) FROM documents WHERE document_id = 'b' AND content = 'beta two' AND write_count = 2 AND written_by = '{second}'"));
        Assert.Equal(1, await ScalarAsync(database, "SELECT count(*) FROM documents WHERE document_id = 'c' AND title = 'title c' AND search @@ to_tsquery('english', 'gamma')"));
    }

    [Fact]
    public async Task New_ids_a_concurrent_writer_inserts_after_the_lookup_end_as_the_upsert_would_leave_them()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(database);
        var (writer, task) = (Guid.NewGuid(), Guid.NewGuid());

        var writes = await WhileHeldAsync(database,
            $"""
            INSERT INTO documents (collection, document_id, content, content_hash, written_by) VALUES
                ('c', 'same', 'same text', '{ContentHash.Sha256Hex("same text")}', '{writer}'),
                ('c', 'other', 'their text', '{ContentHash.Sha256Hex("their text")}', '{writer}')
            """,
            () => WriteAsync(source, task, Document("same", "same text"), Document("other", "our text"), Document("new", "new text")));

        Assert.Equal([IndexWrite.Unchanged, IndexWrite.Written, IndexWrite.Written], writes);
        Assert.Equal(1, await ScalarAsync(database, $"SELECT count(*) FROM documents WHERE document_id = 'same' AND write_count = 1 AND written_by = '{writer}'"));
        Assert.Equal(1, await ScalarAsync(database, $"SELECT count(*) FROM documents WHERE document_id = 'other' AND content = 'our text' AND write_count = 2 AND written_by = '{task}'"));
        Assert.Equal(1, await ScalarAsync(database, "SELECT count(*) FROM documents WHERE document_id = 'new'"));
    }

    [Fact]
    public async Task A_changed_document_a_concurrent_writer_removes_after_the_lookup_is_written_again()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(database);
        await WriteAsync(source, Guid.NewGuid(), Document("gone", "old text"));
        var task = Guid.NewGuid();

        var writes = await WhileHeldAsync(database,
            "DELETE FROM documents WHERE document_id = 'gone'",
            () => WriteAsync(source, task, Document("gone", "new text")));

        Assert.Equal([IndexWrite.Written], writes);
        Assert.Equal(1, await ScalarAsync(database, $"SELECT count(*) FROM documents WHERE document_id = 'gone' AND content = 'new text' AND written_by = '{task}'"));
    }

    [Fact]
    public async Task Two_tasks_writing_the_same_new_ids_at_once_write_each_document_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(database);
        var documents = Enumerable.Range(0, 500).Select(i => Document($"d{i:D3}", $"text {i}")).ToArray();

        var both = await Task.WhenAll(
            Task.Run(() => WriteAsync(source, Guid.NewGuid(), documents)),
            Task.Run(() => WriteAsync(source, Guid.NewGuid(), documents)));

        Assert.All(Enumerable.Range(0, documents.Length), i =>
            Assert.Equal([IndexWrite.Written, IndexWrite.Unchanged], new[] { both[0][i], both[1][i] }.Order()));
        Assert.Equal(500, await ScalarAsync(database, "SELECT sum(write_count) FROM documents"));
    }

    /// <summary>Runs <paramref name="write"/> while <paramref name="concurrent"/> is held uncommitted, and commits it once the write waits on it.</summary>
    private static async Task<IReadOnlyList<IndexWrite>> WhileHeldAsync(string database, string concurrent, Func<Task<IReadOnlyList<IndexWrite>>> write)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var command = new NpgsqlCommand(concurrent, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var writing = write();
        await Eventually.TrueAsync(
            async () => writing.IsCompleted || await ScalarAsync(database, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0,
            waitingFor: "the slice's write to wait on the concurrent writer's uncommitted rows",
            deadline: TimeSpan.FromSeconds(30));
        Assert.False(writing.IsCompleted, "the slice's write did not wait on the concurrent writer's uncommitted rows");
        await transaction.CommitAsync(TestContext.Current.CancellationToken);
        return await writing;
    }
}
