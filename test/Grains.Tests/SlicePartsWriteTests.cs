using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Indexing;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A large slice is written as <see cref="SliceParts"/> at once, each part a statement of its own: one
/// part commits while another waits, a part that fails fails the slice, and the slice tried again counts
/// the parts written before as written by its task.
/// </summary>
public sealed class SlicePartsWriteTests(PostgresServer postgres)
{
    private const string Collection = "c";
    private const int Size = 2 * 600;

    private static HashedDocument Document(int i, string content = "alpha bravo charlie") =>
        new(Id(i), null, content, ContentHash.Sha256Hex(content));

    /// <summary>Ids that sort in the slice's order, so that the first part's are those below <see cref="Id"/>(600).</summary>
    private static string Id(int i) => "d" + i.ToString("D5", CultureInfo.InvariantCulture);

    private static HashedDocument[] Slice() => [.. Enumerable.Range(0, Size).Select(i => Document(i))];

    [Fact]
    public async Task The_second_part_commits_while_the_first_waits_for_a_row_another_transaction_holds()
    {
        // Longer than the wait below: the first part waits for the lock the whole time.
        await using var opened = await OpenAsync(commandTimeout: 120);
        var (database, source, index) = opened;
        await index.UpsertAsync(Collection, Guid.NewGuid(), [Document(0, "an older content")], TestContext.Current.CancellationToken);
        await using var locker = await HoldRowAsync(database, Id(0));

        var task = Guid.NewGuid();
        var writing = index.UpsertAsync(Collection, task, Slice(), TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(
            "the slice's second part to be committed while its first part waits for the locked row",
            async () => await CountAsync(database, task) == Size / 2,
            TimeSpan.FromSeconds(60));
        Assert.False(writing.IsCompleted, "the slice ended while one of its rows was locked by another transaction");

        await locker.Transaction.CommitAsync(TestContext.Current.CancellationToken);
        var writes = await writing;

        Assert.Equal(Enumerable.Repeat(IndexWrite.Written, Size), writes);
        Assert.Equal(Size, await CountAsync(database, task));
    }

    [Fact]
    public async Task A_part_that_fails_fails_the_slice_and_the_slice_tried_again_finds_the_other_part_written_by_its_task()
    {
        await using var opened = await OpenAsync(commandTimeout: 2);
        var (database, source, index) = opened;
        var task = Guid.NewGuid();
        await index.UpsertAsync(Collection, Guid.NewGuid(), [Document(Size - 1, "an older content")], TestContext.Current.CancellationToken);

        await using (var locker = await HoldRowAsync(database, Id(Size - 1)))
        {
            // The second part waits past its statement's time-out, which is not retried.
            var failure = await Assert.ThrowsAsync<NpgsqlException>(() => index.UpsertAsync(Collection, task, Slice(), TestContext.Current.CancellationToken));
            Assert.IsType<TimeoutException>(failure.InnerException);
        }

        Assert.Equal(Size / 2, await CountAsync(database, task));
        var writes = await index.UpsertAsync(Collection, task, Slice(), TestContext.Current.CancellationToken);

        Assert.Equal(
            [.. Enumerable.Repeat(IndexWrite.AlreadyWrittenByThisTask, Size / 2), .. Enumerable.Repeat(IndexWrite.Written, Size / 2)],
            writes);
        Assert.Equal(Size, await CountAsync(database, task));
    }

    [Fact]
    public async Task Of_two_failed_parts_the_slice_reports_the_refusal_that_will_not_pass_not_the_time_out()
    {
        await using var opened = await OpenAsync(commandTimeout: 2);
        var (database, source, index) = opened;
        await index.UpsertAsync(Collection, Guid.NewGuid(), [Document(0, "an older content")], TestContext.Current.CancellationToken);
        var slice = Slice();
        // PostgreSQL refuses text holding NUL at once (the indexer keeps such documents from the index; here it is passed straight in).
        slice[Size - 1] = Document(Size - 1, "binary \0 content");

        await using var locker = await HoldRowAsync(database, Id(0));
        var failure = await Assert.ThrowsAsync<PostgresException>(() => index.UpsertAsync(Collection, Guid.NewGuid(), slice, TestContext.Current.CancellationToken));

        Assert.False(Tasks.TransientFaults.IsTransient(failure), $"reported {failure.SqlState}, a failure that may pass");
    }

    [Fact]
    public async Task Outcomes_come_in_the_slice_s_order_whatever_part_wrote_them()
    {
        await using var opened = await OpenAsync(commandTimeout: 10);
        var (_, source, index) = opened;
        var task = Guid.NewGuid();
        // Already there, from another task, in both parts: every third document.
        await index.UpsertAsync(Collection, Guid.NewGuid(), [.. Enumerable.Range(0, Size).Where(i => i % 3 == 0).Select(i => Document(i))], TestContext.Current.CancellationToken);
        HashedDocument[] shuffled = [.. Slice().OrderByDescending(document => document.Id, StringComparer.Ordinal)];

        var writes = await index.UpsertAsync(Collection, task, shuffled, TestContext.Current.CancellationToken);

        Assert.Equal(
            shuffled.Select(document => int.Parse(document.Id[1..], CultureInfo.InvariantCulture) % 3 == 0 ? IndexWrite.Unchanged : IndexWrite.Written),
            writes);
    }

    [Theory]
    [InlineData(ConnectionBudget.SiloMinimum, 0)]
    [InlineData(8, 1)]
    [InlineData(null, 7)]
    public void The_silo_s_slices_share_half_the_index_pool_beyond_one_connection_each(int? maxConnections, int extra)
    {
        using var source = NpgsqlDataSource.Create(ConnectionBudget.ForSilo("Host=127.0.0.1;Username=u", maxConnections).Index!);

        var index = new PostgresDocumentIndex(source, NullLogger<PostgresDocumentIndex>.Instance, connectionsPerTask: 2);

        Assert.Equal(extra, index.ExtraConnections.Free);
    }

    [Fact]
    public async Task A_slice_without_a_free_extra_connection_is_one_statement()
    {
        await using var opened = await OpenAsync(commandTimeout: 120);
        var (database, source, index) = opened;
        var task = Guid.NewGuid();

        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == nameof(SlicePartsWriteTests),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var activities = new ActivitySource(nameof(SlicePartsWriteTests));
        using var slice = activities.StartActivity("slice")!;
        using (index.ExtraConnections.Take(int.MaxValue))
        {
            Assert.Equal(0, index.ExtraConnections.Free);
            await index.UpsertAsync(Collection, Guid.NewGuid(), [Document(Size - 1, "an older content")], TestContext.Current.CancellationToken);
            await using var locker = await HoldRowAsync(database, Id(Size - 1));
            var writing = index.UpsertAsync(Collection, task, Slice(), TestContext.Current.CancellationToken);

            // One statement: waiting on the last document, it has committed none of the others.
            await Eventually.TrueAsync(
                "the slice's statement to wait for the locked row",
                async () => await WaitingForLockAsync(database));
            Assert.Equal(0, await CountAsync(database, task));
            await locker.Transaction.CommitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(Enumerable.Repeat(IndexWrite.Written, Size), await writing);
            Assert.Equal(1, slice.GetTagItem("orleans_tasks.index_parts"));
        }

        Assert.Equal(7, index.ExtraConnections.Free);
    }

    /// <summary>A fresh database and the index over a silo's index pool of it, writing a slice on up to two connections.</summary>
    private async Task<OpenIndex> OpenAsync(int commandTimeout)
    {
        var database = await postgres.CreateDatabaseAsync();
        var pool = new NpgsqlConnectionStringBuilder(ConnectionBudget.ForSilo(database, null).Index) { CommandTimeout = commandTimeout }.ConnectionString;
        var source = NpgsqlDataSource.Create(pool);
        return new OpenIndex(database, source, new PostgresDocumentIndex(source, NullLogger<PostgresDocumentIndex>.Instance, connectionsPerTask: 2));
    }

    private sealed record OpenIndex(string Database, NpgsqlDataSource Source, PostgresDocumentIndex Index) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Source.DisposeAsync();
    }

    private static async Task<long> CountAsync(string database, Guid task)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM documents WHERE collection = @collection AND written_by = @task", connection);
        command.Parameters.AddWithValue("collection", Collection);
        command.Parameters.AddWithValue("task", task);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<bool> WaitingForLockAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO documents%'", connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private static async Task<RowLock> HoldRowAsync(string database, string id)
    {
        var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("SELECT 1 FROM documents WHERE collection = @collection AND document_id = @id FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("collection", Collection);
        command.Parameters.AddWithValue("id", id);
        Assert.Equal(1, await command.ExecuteScalarAsync());
        return new RowLock(connection, transaction);
    }

    private sealed record RowLock(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
