using Npgsql;
using OrleansTasks.Testing;
using OrleansTasks.Uploads;

namespace OrleansTasks.Grains.Tests.Uploads;

public sealed class PostgresUploadStoreTests(PostgresUploadStoreTests.Database database) : UploadStoreContract, IClassFixture<PostgresUploadStoreTests.Database>
{
    protected override Task<IUploadStore> StoreAsync()
    {
        database.Require();
        return Task.FromResult<IUploadStore>(new PostgresUploadStore(database.Source));
    }

    protected override async Task<long> StoredAsync()
    {
        await using var command = database.Source.CreateCommand("SELECT (SELECT count(*) FROM uploads) + (SELECT count(*) FROM upload_chunks)");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A migrated database of the private PostgreSQL server, shared by the class's tests.</summary>
    public sealed class Database(PostgresServer postgres) : IAsyncLifetime
    {
        public NpgsqlDataSource Source { get; private set; } = null!;

        public void Require() => postgres.Require();

        public async ValueTask InitializeAsync()
        {
            if (postgres.IsAvailable)
            {
                Source = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Source is not null)
            {
                await Source.DisposeAsync();
            }
        }
    }
}
