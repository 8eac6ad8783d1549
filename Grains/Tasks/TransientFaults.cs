using System.Net.Sockets;
using Npgsql;

namespace OrleansTasks.Tasks;

/// <summary>Faults that pass with time (a database restarting, a network blip, an I/O error, a source file's read or a source directory's listing failing for now): the task waits and retries instead of failing.</summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException || IsUnreachable(npgsql),
        TimeoutException or SocketException or IOException or StorageUnavailableException => true,
        OrleansException => true,
        _ => exception.InnerException is not null && IsTransient(exception.InnerException),
    };

    /// <summary>
    /// The database cannot be reached, is stopping or starting, or is out of a resource (class 53:
    /// every one of its <c>max_connections</c> held, by this cluster or another client; its disk or
    /// memory full), as the task store counts it too: it also holds
    /// the task's own state, so no attempt could be recorded, and the task waits for the database,
    /// however long, instead of spending its retries. A database that answers but refuses for now (a
    /// serialization failure, a deadlock, a statement timeout) is a transient failure of the index
    /// like any other.
    /// </summary>
    public static bool IsDatabaseOutage(Exception exception) => IsUnreachable(exception);

    /// <summary>A short reason for people, naming the kind of fault but none of its details (which the logs hold).</summary>
    public static string Describe(Exception exception) => exception switch
    {
        Sources.SourceReadException read => read.Reason,
        TimeoutException => "the document index timed out",
        SocketException or IOException => "the connection to the document index failed",
        PostgresException => "the database refused the write for now",
        _ when exception.InnerException is { } inner => Describe(inner),
        _ => "the document index is unavailable",
    };

    private static bool IsUnreachable(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal)
            || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
        NpgsqlException { InnerException: SocketException or IOException } => true,
        StorageUnavailableException => true,
        _ => exception.InnerException is not null && IsUnreachable(exception.InnerException),
    };
}
