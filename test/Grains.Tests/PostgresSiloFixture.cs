using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>One real silo on its own migrated PostgreSQL database, shared by a test class.</summary>
public sealed class PostgresSiloFixture(PostgresServer postgres) : IAsyncLifetime
{
    public const string DeletingStorage = "contract-deleting";
    public const string KeepingStorage = "contract-keeping";

    public string ConnectionString { get; private set; } = "";

    public string ClusterId { get; } = "c" + Guid.NewGuid().ToString("N")[..10];

    public PostgresSilo Silo { get; private set; } = null!;

    public PostgresServer Server => postgres;

    public async ValueTask InitializeAsync()
    {
        if (!postgres.IsAvailable)
        {
            return;
        }

        ConnectionString = await postgres.CreateDatabaseAsync();
        // Grain storages that delete rows on clear and keep them, to drive DeleteStorageKey and ClearStorageKey.
        Silo = await PostgresSilo.StartAsync(ConnectionString, ClusterId, configure: silo =>
        {
            silo.AddAdoNetGrainStorage(DeletingStorage, options =>
            {
                options.Invariant = Hosting.StorageMode.AdoNetInvariant;
                options.ConnectionString = ConnectionString;
                options.DeleteStateOnClear = true;
            });
            silo.AddAdoNetGrainStorage(KeepingStorage, options =>
            {
                options.Invariant = Hosting.StorageMode.AdoNetInvariant;
                options.ConnectionString = ConnectionString;
            });
        });
    }

    /// <summary>Skips (or fails, in CI) when PostgreSQL is missing.</summary>
    public void Require() => postgres.Require();

    public async ValueTask DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }
}
