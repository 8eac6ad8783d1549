using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;
using OrleansTasks.Indexing;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Storage.Faults;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The document index gives up on a full pool after the pool's own wait: retrying under the load
/// that emptied it would hold the caller past Orleans' response timeout.
/// </summary>
public sealed class IndexRetryBoundTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_full_pool_fails_the_index_after_one_connection_wait_not_after_retries()
    {
        var database = await postgres.CreateDatabaseAsync();
        var pool = new NpgsqlConnectionStringBuilder(ConnectionBudget.ForSilo(database, ConnectionBudget.SiloMinimum).Index) { Timeout = 1 }.ConnectionString;
        await using var source = NpgsqlDataSource.Create(pool);
        var index = new PostgresDocumentIndex(source, NullLogger<PostgresDocumentIndex>.Instance);
        await using var held = await source.OpenConnectionAsync(TestContext.Current.CancellationToken);

        var clock = Stopwatch.StartNew();
        var failure = await Assert.ThrowsAsync<NpgsqlException>(() => index.CountWritesAsync("c", TestContext.Current.CancellationToken));
        var waited = clock.Elapsed;

        Assert.Equal(StoreTimeout.PoolWait, AvailabilityFailures.TimeoutOf(failure));
        Assert.IsType<StorageUnavailableException>(StorageFaults.Translate(failure));
        // One wait of 1 s; a retry would add at least another 1 s wait and its delay.
        Assert.True(waited < TimeSpan.FromSeconds(1.9), $"the index waited {waited.TotalSeconds:F1} s for a full pool");
    }

    [Fact]
    public async Task A_slice_written_in_parts_on_a_full_pool_fails_after_one_connection_wait_too()
    {
        var database = await postgres.CreateDatabaseAsync();
        var pool = new NpgsqlConnectionStringBuilder(ConnectionBudget.ForSilo(database, 10).Index) { Timeout = 1 }.ConnectionString;
        await using var source = NpgsqlDataSource.Create(pool);
        var logger = new FakeLogger<PostgresDocumentIndex>();
        var index = new PostgresDocumentIndex(source, logger, connectionsPerTask: 2);
        var held = new List<NpgsqlConnection>();
        for (var i = 0; i < 4; i++)
        {
            held.Add(await source.OpenConnectionAsync(TestContext.Current.CancellationToken));
        }

        try
        {
            HashedDocument[] slice = [.. Enumerable.Range(0, 2 * SliceParts.MinDocuments).Select(i => new HashedDocument($"d{i}", null, "text", ContentHash.Sha256Hex("text")))];
            var clock = Stopwatch.StartNew();
            var failure = await Assert.ThrowsAsync<NpgsqlException>(() => index.UpsertAsync("c", Guid.NewGuid(), slice, TestContext.Current.CancellationToken));
            var waited = clock.Elapsed;

            Assert.Equal(StoreTimeout.PoolWait, AvailabilityFailures.TimeoutOf(failure));
            // Both parts waited, at once, 1 s each: one failure reported, the other logged; retried, they would wait at least 2 s.
            Assert.True(waited < TimeSpan.FromSeconds(1.9), $"the slice's parts waited {waited.TotalSeconds:F1} s for a full pool");
            Assert.Single(logger.Collector.GetSnapshot(), record => record.Id.Id == 2);
            Assert.Equal(2, index.ExtraConnections.Free);
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
