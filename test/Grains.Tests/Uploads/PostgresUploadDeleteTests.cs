using Npgsql;
using OrleansTasks.Testing;
using OrleansTasks.Uploads;

namespace OrleansTasks.Grains.Tests.Uploads;

/// <summary>
/// A large upload's delete stays within a statement bound: each chunk here takes 5 ms to delete
/// (a trigger sleeps, as a slow disk would), so 200 chunks in one statement take a second, beyond
/// a 500 ms <c>statement_timeout</c>; the store deletes them a few at a time.
/// </summary>
public sealed class PostgresUploadDeleteTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_many_chunk_upload_is_deleted_in_statements_that_each_stay_within_the_bound()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        await using (var admin = NpgsqlDataSource.Create(database))
        {
            await using var slow = admin.CreateCommand("""
                CREATE FUNCTION slow_chunk_delete() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN PERFORM pg_sleep(0.005); RETURN OLD; END $f$;
                CREATE TRIGGER slow_chunk_delete BEFORE DELETE ON upload_chunks FOR EACH ROW EXECUTE FUNCTION slow_chunk_delete();
                """);
            await slow.ExecuteNonQueryAsync();
        }

        await using var bounded = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database) { Options = "-c statement_timeout=500" }.ConnectionString);
        var store = new PostgresUploadStore(bounded);
        var id = Guid.NewGuid();
        await store.BeginAsync(id, "user:alice", DateTimeOffset.UtcNow, CancellationToken.None);
        for (var chunk = 0; chunk < 200; chunk++)
        {
            await store.AppendAsync(id, chunk, new byte[] { (byte)'\n' }, CancellationToken.None);
        }

        await store.CompleteAsync(id, 200, 0, CancellationToken.None);

        await store.DeleteAsync(id, CancellationToken.None);

        Assert.Null(await store.FindAsync(id, CancellationToken.None));
        await using var left = bounded.CreateCommand("SELECT count(*) FROM upload_chunks");
        Assert.Equal(0L, await left.ExecuteScalarAsync());
    }
}
