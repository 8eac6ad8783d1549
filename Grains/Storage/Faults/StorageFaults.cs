using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTasks.Storage.Faults;

/// <summary>
/// Finds a failure of the task store (a <see cref="DbException"/> anywhere in the chain, as the
/// Orleans providers and the index throw them, or Orleans' wrapping around one) and gives the
/// product's serializable exception for it: <see cref="StorageUnavailableException"/> for an
/// availability failure (see <see cref="AvailabilityFailures"/>), <see cref="StorageFailedException"/>
/// for any other. Everything else, the product's own exceptions and Orleans'
/// <c>InconsistentStateException</c> included, is left as it is.
/// </summary>
public static class StorageFaults
{
    /// <summary>The category under which a failure is logged, once, where it is converted.</summary>
    public const string LogCategory = "OrleansTasks.Storage.Faults";

    /// <summary>The exception to throw across the grain call in place of <paramref name="exception"/>, or null to let it pass.</summary>
    public static Exception? Translate(Exception exception) => Find(exception).Product;

    /// <summary>
    /// As <see cref="Translate"/>, logging the failure when this call is the one that converts it
    /// (a failure converted earlier, at a storage boundary, passes without a second line).
    /// </summary>
    public static Exception? Convert(Exception exception, ILogger logger, string operation, object? subject)
    {
        var (product, cause) = Find(exception);
        if (cause is not null)
        {
            StorageFaultLog.Converted(logger, cause, product!, operation, subject);
        }

        return product;
    }

    /// <summary>Whether <paramref name="exception"/> is, or was caused by, the task store being unavailable.</summary>
    public static bool IsUnavailable(Exception? exception) => Is<StorageUnavailableException>(exception);

    /// <summary>Whether <paramref name="exception"/> is, or was caused by, the task store refusing an operation for good.</summary>
    public static bool IsFailed(Exception? exception) => Is<StorageFailedException>(exception);

    /// <summary>Runs a storage operation whose failures leave as the product's exceptions, logged once here.</summary>
    public static async Task GuardAsync(Func<Task> operation, ILogger logger, string name, object? subject)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            await operation();
        }
        catch (Exception exception) when (Convert(exception, logger, name, subject) is { } product)
        {
            throw product;
        }
    }

    /// <inheritdoc cref="GuardAsync(Func{Task}, ILogger, string, object?)"/>
    public static async Task<T> GuardAsync<T>(Func<Task<T>> operation, ILogger logger, string name, object? subject)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            return await operation();
        }
        catch (Exception exception) when (Convert(exception, logger, name, subject) is { } product)
        {
            throw product;
        }
    }

    private static (Exception? Product, DbException? Cause) Find(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is StorageUnavailableException or StorageFailedException or InvalidRequestException)
        {
            return (null, null);
        }

        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case StorageUnavailableException or StorageFailedException:
                    return (cause, null);
                case DbException database when AvailabilityFailures.Includes(database):
                    return (new StorageUnavailableException(DescribeUnavailable(database)), database);
                case DbException database:
                    return (new StorageFailedException(DescribeFailed(database)), database);
            }
        }

        return (null, null);
    }

    private static bool Is<T>(Exception? exception)
        where T : Exception
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (cause is T)
            {
                return true;
            }
        }

        return false;
    }

    private static string DescribeUnavailable(DbException exception) => exception switch
    {
        PostgresException postgres => $"The task store refused the operation (PostgreSQL {postgres.SqlState}); try again shortly.",
        _ => AvailabilityFailures.TimeoutOf(exception) switch
        {
            StoreTimeout.PoolWait => "No connection to the task store became free in time; try again shortly.",
            StoreTimeout.Answer => "The task store did not answer in time; try again shortly.",
            _ => "The task store could not be reached; try again shortly.",
        },
    };

    private static string DescribeFailed(DbException exception) => exception switch
    {
        PostgresException postgres => $"The task store failed the operation (PostgreSQL {postgres.SqlState}).",
        _ => "The task store failed the operation.",
    };
}
