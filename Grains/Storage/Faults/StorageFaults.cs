using System.Data.Common;
using Npgsql;

namespace OrleansTasks.Storage.Faults;

/// <summary>
/// Tells a failure of the task store (a <see cref="DbException"/> anywhere in the chain, as the
/// Orleans providers and the index throw them, or Orleans' wrapping around one) from the rest,
/// and gives the product's serializable exception for it. Everything else, the product's own
/// exceptions and Orleans' <c>InconsistentStateException</c> included, is left as it is.
/// </summary>
public static class StorageFaults
{
    /// <summary>The exception to throw across the grain call in place of <paramref name="exception"/>, or null to let it pass.</summary>
    public static StorageUnavailableException? Translate(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is StorageUnavailableException or InvalidRequestException)
        {
            return null;
        }

        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case StorageUnavailableException unavailable:
                    return unavailable;
                case DbException database:
                    return new StorageUnavailableException(Describe(database));
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="exception"/> is, or was caused by, the task store being unavailable.</summary>
    public static bool IsUnavailable(Exception? exception)
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (cause is StorageUnavailableException)
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(DbException exception) => exception switch
    {
        PostgresException postgres => $"The task store refused the operation (PostgreSQL {postgres.SqlState}); try again shortly.",
        NpgsqlException { InnerException: TimeoutException } => "No connection to the task store became free in time; try again shortly.",
        _ => "The task store could not be reached; try again shortly.",
    };

    /// <summary>Runs a storage operation whose failures leave as <see cref="StorageUnavailableException"/>.</summary>
    public static async Task GuardAsync(Func<Task> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            await operation();
        }
        catch (Exception exception) when (Translate(exception) is { } unavailable)
        {
            throw unavailable;
        }
    }

    /// <inheritdoc cref="GuardAsync(Func{Task})"/>
    public static async Task<T> GuardAsync<T>(Func<Task<T>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            return await operation();
        }
        catch (Exception exception) when (Translate(exception) is { } unavailable)
        {
            throw unavailable;
        }
    }
}
