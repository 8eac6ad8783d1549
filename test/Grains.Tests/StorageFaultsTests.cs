using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTasks.Storage.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>What a silo lets cross a grain call when the task store fails: the product's exception, never the provider's.</summary>
public sealed class StorageFaultsTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    private static PostgresException TooManyClients() =>
        new("sorry, too many clients already (user app, password s3cret)", "FATAL", "FATAL", "53300");

    public static TheoryData<Exception, string> StorageFailures() => new()
    {
        { TooManyClients(), "The task store refused the operation (PostgreSQL 53300); try again shortly." },
        {
            new NpgsqlException("The connection pool has been exhausted, either raise 'Max Pool Size' (currently 11)", new TimeoutException()),
            "No connection to the task store became free in time; try again shortly."
        },
        { new NpgsqlException("Failed to connect to 10.0.0.5:5432", new System.Net.Sockets.SocketException()), "The task store could not be reached; try again shortly." },
        { new OrleansException("Error from storage provider AdoNetGrainStorage.tasks during ReadStateAsync", TooManyClients()), "The task store refused the operation (PostgreSQL 53300); try again shortly." },
    };

    [Theory]
    [MemberData(nameof(StorageFailures))]
    public void A_storage_failure_becomes_the_products_exception_without_the_providers_text(Exception failure, string message)
    {
        var translated = StorageFaults.Translate(failure);

        Assert.NotNull(translated);
        Assert.Equal(message, translated.Message);
        Assert.Null(translated.InnerException);
        Assert.True(StorageFaults.IsUnavailable(translated));
    }

    public static TheoryData<Exception> OtherFailures() =>
    [
        new InvalidTaskRequestException("documents", "At least one document."),
        new InconsistentStateException("Version conflict (WriteState)"),
        new TimeoutException("Response did not arrive on time"),
        new InvalidOperationException("a defect"),
        new StorageUnavailableException("The task store could not be reached; try again shortly."),
    ];

    [Theory]
    [MemberData(nameof(OtherFailures))]
    public void Everything_else_passes_as_it_is(Exception failure) => Assert.Null(StorageFaults.Translate(failure));

    [Fact]
    public void Orleans_wrapping_of_a_translated_failure_gives_back_the_products_exception()
    {
        // What StateStorageBridge throws when the storage boundary's exception leaves a state write.
        var inner = new StorageUnavailableException("No connection to the task store became free in time; try again shortly.");

        Assert.Same(inner, StorageFaults.Translate(new OrleansException("Error from storage provider", inner)));
        Assert.True(StorageFaults.IsUnavailable(new OrleansException("Error from storage provider", inner)));
        Assert.False(StorageFaults.IsUnavailable(new OrleansException("Error from storage provider", new TimeoutException())));
    }

    [Fact]
    public async Task A_guarded_operation_throws_the_products_exception()
    {
        var failure = await Assert.ThrowsAsync<StorageUnavailableException>(() => StorageFaults.GuardAsync(() => Task.FromException(TooManyClients())));

        Assert.DoesNotContain("s3cret", failure.Message, StringComparison.Ordinal);
        Assert.Equal(7, await StorageFaults.GuardAsync(() => Task.FromResult(7)));
    }

    [Fact]
    public void The_products_exception_crosses_a_grain_call_with_its_message()
    {
        var original = StorageFaults.Translate(TooManyClients())!;

        var copy = Serializer.Deserialize<Exception>(Serializer.SerializeToArray<Exception>(original));

        var read = Assert.IsType<StorageUnavailableException>(copy);
        Assert.Equal(original.Message, read.Message);
    }
}
