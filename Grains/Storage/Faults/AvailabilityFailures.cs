using System.Data.Common;
using Npgsql;

namespace OrleansTasks.Storage.Faults;

/// <summary>
/// Which failures of the task store mean "not now" rather than "not ever": the server or the path
/// to it is down, full or restarting, or a transaction lost a race that a retry wins. Only these
/// are answered "try again" (503); anything else, such as a missing table (42P01) or a denied
/// permission (42501), would fail again and is a defect to fix.
/// </summary>
public static class AvailabilityFailures
{
    // Class 08 connection exception, class 53 insufficient resources (53300 too many connections).
    private static readonly string[] Classes = ["08", "53"];

    private static readonly string[] States =
    [
        "57P01", // admin_shutdown: the server is stopping, or an operator ended the session
        "57P02", // crash_shutdown
        "57P03", // cannot_connect_now: the server is starting or recovering
        "40001", // serialization_failure
        "40P01", // deadlock_detected
    ];

    /// <summary>Whether <paramref name="exception"/> says the task store is unavailable for now.</summary>
    public static bool Includes(DbException exception) => exception switch
    {
        PostgresException postgres => postgres.IsTransient || IsAvailabilityState(postgres.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient || IsTimeout(npgsql),
        _ => false,
    };

    /// <summary>Whether a PostgreSQL error code is one of connection, resources, shutdown or a lost race.</summary>
    public static bool IsAvailabilityState(string sqlState)
    {
        ArgumentNullException.ThrowIfNull(sqlState);
        return States.Contains(sqlState, StringComparer.Ordinal) || Classes.Any(prefix => sqlState.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>
    /// A wait of Npgsql's ran out: for a connection of the pool, to open one, or for the server's
    /// answer. Npgsql gives all three the same shape (an <see cref="NpgsqlException"/> around a
    /// <see cref="TimeoutException"/>); <see cref="TimeoutOf"/> tells them apart.
    /// </summary>
    public static bool IsTimeout(DbException exception) =>
        exception is NpgsqlException { InnerException: TimeoutException } and not PostgresException;

    /// <summary>
    /// Which wait ran out, read from Npgsql's messages (its only difference between them): "The
    /// connection pool has been exhausted…" for the pool, "Timeout during connection attempt" for
    /// opening a connection, "Timeout during reading attempt" (or writing) for the server's answer.
    /// <c>TimeoutKindsTests</c> holds these against real failures of the Npgsql in use.
    /// </summary>
    public static StoreTimeout TimeoutOf(DbException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (!IsTimeout(exception))
        {
            return StoreTimeout.None;
        }

        if (exception.Message.StartsWith("The connection pool has been exhausted", StringComparison.Ordinal))
        {
            return StoreTimeout.PoolWait;
        }

        return exception.InnerException!.Message.Contains("connection attempt", StringComparison.OrdinalIgnoreCase)
            ? StoreTimeout.Connect
            : StoreTimeout.Answer;
    }
}
