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
        NpgsqlException npgsql => npgsql.IsTransient || IsPoolExhaustion(npgsql),
        _ => false,
    };

    /// <summary>Whether a PostgreSQL error code is one of connection, resources, shutdown or a lost race.</summary>
    public static bool IsAvailabilityState(string sqlState)
    {
        ArgumentNullException.ThrowIfNull(sqlState);
        return States.Contains(sqlState, StringComparer.Ordinal) || Classes.Any(prefix => sqlState.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>
    /// No connection of the pool became free within its <c>Timeout</c>. Npgsql gives a connection
    /// that could not be opened in time, and a statement that timed out, the same shape (an
    /// <see cref="NpgsqlException"/> around a <see cref="TimeoutException"/>), so they match too; the
    /// logged exception tells them apart ("Timeout during connection attempt", "… reading attempt").
    /// </summary>
    public static bool IsPoolExhaustion(DbException exception) =>
        exception is NpgsqlException { InnerException: TimeoutException } and not PostgresException;
}
