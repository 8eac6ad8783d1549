using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTasks.Storage.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// What a silo lets cross a grain call when the task store fails: the product's exception, never
/// the provider's; "try again" (unavailable) only for failures that pass with time; logged once.
/// </summary>
public sealed class StorageFaultsTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    private static PostgresException Postgres(string sqlState, string message = "server message (user app, password s3cret)") =>
        new(message, "ERROR", "ERROR", sqlState);

    private static PostgresException TooManyClients() => Postgres("53300", "sorry, too many clients already (user app, password s3cret)");

    private static NpgsqlException PoolExhausted() =>
        new("The connection pool has been exhausted, either raise 'Max Pool Size' (currently 11)", new TimeoutException());

    public static TheoryData<string, bool> SqlStates() => new()
    {
        { "08000", true }, // connection_exception
        { "08001", true }, // sqlclient_unable_to_establish_sqlconnection
        { "08006", true }, // connection_failure
        { "53000", true }, // insufficient_resources
        { "53100", true }, // disk_full
        { "53200", true }, // out_of_memory
        { "53300", true }, // too_many_connections
        { "57P01", true }, // admin_shutdown
        { "57P02", true }, // crash_shutdown
        { "57P03", true }, // cannot_connect_now
        { "40001", true }, // serialization_failure
        { "40P01", true }, // deadlock_detected
        { "42P01", false }, // undefined_table
        { "42501", false }, // insufficient_privilege
        { "42703", false }, // undefined_column
        { "23505", false }, // unique_violation
        { "22P02", false }, // invalid_text_representation
        { "57014", false }, // query_canceled
        { "3D000", false }, // invalid_catalog_name
        { "28P01", false }, // invalid_password
    };

    [Theory]
    [MemberData(nameof(SqlStates))]
    public void Only_availability_failures_say_try_again(string sqlState, bool unavailable)
    {
        var translated = StorageFaults.Translate(Postgres(sqlState));

        Assert.NotNull(translated);
        Assert.Null(translated.InnerException);
        Assert.Equal(unavailable, StorageFaults.IsUnavailable(translated));
        Assert.Equal(!unavailable, StorageFaults.IsFailed(translated));
        Assert.Equal(unavailable, AvailabilityFailures.Includes(Postgres(sqlState)));
        Assert.Contains($"(PostgreSQL {sqlState})", translated.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", translated.Message, StringComparison.Ordinal);
    }

    public static TheoryData<Exception, string> UnavailableFailures() => new()
    {
        { TooManyClients(), "The task store refused the operation (PostgreSQL 53300); try again shortly." },
        { PoolExhausted(), "No connection to the task store became free in time; try again shortly." },
        { new NpgsqlException("Failed to connect to 10.0.0.5:5432", new System.Net.Sockets.SocketException()), "The task store could not be reached; try again shortly." },
        { new NpgsqlException("Exception while reading from stream", new IOException("reset")), "The task store could not be reached; try again shortly." },
        { new OrleansException("Error from storage provider AdoNetGrainStorage.tasks during ReadStateAsync", TooManyClients()), "The task store refused the operation (PostgreSQL 53300); try again shortly." },
    };

    [Theory]
    [MemberData(nameof(UnavailableFailures))]
    public void An_availability_failure_becomes_StorageUnavailableException_without_the_providers_text(Exception failure, string message)
    {
        var translated = Assert.IsType<StorageUnavailableException>(StorageFaults.Translate(failure));

        Assert.Equal(message, translated.Message);
        Assert.Null(translated.InnerException);
    }

    public static TheoryData<Exception, string> OtherStorageFailures() => new()
    {
        { Postgres("42P01", "relation \"orleans_grain_state\" does not exist"), "The task store failed the operation (PostgreSQL 42P01)." },
        { Postgres("42501", "permission denied for table documents"), "The task store failed the operation (PostgreSQL 42501)." },
        { new NpgsqlException("Unknown message code: 0"), "The task store failed the operation." },
        { new OrleansException("Error from storage provider", Postgres("42P01")), "The task store failed the operation (PostgreSQL 42P01)." },
    };

    [Theory]
    [MemberData(nameof(OtherStorageFailures))]
    public void Any_other_storage_failure_becomes_StorageFailedException_without_the_providers_text(Exception failure, string message)
    {
        var translated = Assert.IsType<StorageFailedException>(StorageFaults.Translate(failure));

        Assert.Equal(message, translated.Message);
        Assert.Null(translated.InnerException);
        Assert.False(StorageFaults.IsUnavailable(translated));
    }

    public static TheoryData<Exception> OtherFailures() =>
    [
        new InvalidTaskRequestException("documents", "At least one document."),
        new InconsistentStateException("Version conflict (WriteState)"),
        new TimeoutException("Response did not arrive on time"),
        new InvalidOperationException("a defect"),
        new StorageUnavailableException("The task store could not be reached; try again shortly."),
        new StorageFailedException("The task store failed the operation (PostgreSQL 42P01)."),
    ];

    [Theory]
    [MemberData(nameof(OtherFailures))]
    public void Everything_else_passes_as_it_is(Exception failure) => Assert.Null(StorageFaults.Translate(failure));

    [Fact]
    public void Orleans_wrapping_of_a_translated_failure_gives_back_the_products_exception()
    {
        // What StateStorageBridge throws when the storage boundary's exception leaves a state write.
        var unavailable = new StorageUnavailableException("No connection to the task store became free in time; try again shortly.");
        var failed = new StorageFailedException("The task store failed the operation (PostgreSQL 42P01).");

        Assert.Same(unavailable, StorageFaults.Translate(new OrleansException("Error from storage provider", unavailable)));
        Assert.Same(failed, StorageFaults.Translate(new OrleansException("Error from storage provider", failed)));
        Assert.True(StorageFaults.IsUnavailable(new OrleansException("Error from storage provider", unavailable)));
        Assert.True(StorageFaults.IsFailed(new OrleansException("Error from storage provider", failed)));
        Assert.False(StorageFaults.IsUnavailable(new OrleansException("Error from storage provider", new TimeoutException())));
    }

    [Fact]
    public async Task An_availability_failure_is_logged_once_where_it_is_converted_in_one_line()
    {
        var logger = new FakeLogger();
        var storage = new StorageFaultBoundary(new FailingStorage(TooManyClients()), logger);
        var grain = GrainId.Create("indextask", "t1");

        var failure = await Assert.ThrowsAsync<StorageUnavailableException>(() => storage.WriteStateAsync("tasks", grain, new GrainState<int>()));
        // The grain call filter then meets it wrapped by Orleans, and must not log it again.
        Assert.Same(failure, StorageFaults.Convert(new OrleansException("Error from storage provider", failure), logger, "IIndexTaskGrain.Cancel", grain));

        var entry = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Null(entry.Exception);
        Assert.Equal(
            "The task store was unavailable for writing tasks state of indextask/t1 (SqlState 53300): The task store refused the operation (PostgreSQL 53300); try again shortly.",
            entry.Message);
        Assert.DoesNotContain("s3cret", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_other_storage_failure_is_logged_once_with_the_full_exception()
    {
        var logger = new FakeLogger();
        var cause = Postgres("42P01", "relation \"orleans_grain_state\" does not exist");
        var storage = new StorageFaultBoundary(new FailingStorage(cause), logger);

        var failure = await Assert.ThrowsAsync<StorageFailedException>(() => storage.ReadStateAsync("tasks", GrainId.Create("indextask", "t2"), new GrainState<int>()));
        Assert.Null(StorageFaults.Convert(failure, logger, "IIndexTaskGrain.Get", null));

        var entry = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Same(cause, entry.Exception);
        Assert.Contains("reading tasks state of indextask/t2 (SqlState 42P01)", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_the_call_filter_converts_is_logged_there_once()
    {
        var logger = new FakeLogger();

        var product = StorageFaults.Convert(new OrleansException("wrapped", PoolExhausted()), logger, "ISearchGrain.Search", "search/alice");

        Assert.IsType<StorageUnavailableException>(product);
        var entry = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Null(entry.Exception);
        Assert.Contains("ISearchGrain.Search of search/alice (SqlState pool timeout)", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guarded_operation_throws_the_products_exception()
    {
        var logger = new FakeLogger();
        var failure = await Assert.ThrowsAsync<StorageUnavailableException>(
            () => StorageFaults.GuardAsync(() => Task.FromException(TooManyClients()), logger, "reading the reminders", "a range"));

        Assert.DoesNotContain("s3cret", failure.Message, StringComparison.Ordinal);
        Assert.Equal(7, await StorageFaults.GuardAsync(() => Task.FromResult(7), logger, "reading", null));
    }

    [Theory]
    [InlineData("53300")]
    [InlineData("42P01")]
    public void The_products_exceptions_cross_a_grain_call_with_their_message(string sqlState)
    {
        var original = StorageFaults.Translate(Postgres(sqlState))!;

        var copy = Serializer.Deserialize<Exception>(Serializer.SerializeToArray<Exception>(original));

        Assert.IsType(original.GetType(), copy);
        Assert.Equal(original.Message, copy.Message);
    }

    private sealed class FailingStorage(Exception failure) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.FromException(failure);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.FromException(failure);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.FromException(failure);
    }
}
