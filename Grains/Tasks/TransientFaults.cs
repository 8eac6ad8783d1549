using System.Net.Sockets;
using Npgsql;

namespace OrleansTasks.Tasks;

/// <summary>Faults that pass with time (a database restarting, a network blip, an I/O error): the task waits and retries instead of failing.</summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        TimeoutException or SocketException or IOException or StorageUnavailableException => true,
        OrleansException => true,
        _ => exception.InnerException is not null && IsTransient(exception.InnerException),
    };

    /// <summary>
    /// A transient fault of the database, which also holds the task's own state: no attempt could be
    /// recorded, so the task waits for the database, however long, instead of spending its retries.
    /// </summary>
    public static bool IsDatabaseOutage(Exception exception) => IsTransient(exception) && IsDatabase(exception);

    /// <summary>A short reason for people, naming the kind of fault but none of its details (which the logs hold).</summary>
    public static string Describe(Exception exception) => exception switch
    {
        TimeoutException => "the document index timed out",
        SocketException or IOException => "the connection to the document index failed",
        _ when exception.InnerException is { } inner => Describe(inner),
        _ => "the document index is unavailable",
    };

    private static bool IsDatabase(Exception exception) => exception switch
    {
        NpgsqlException or StorageUnavailableException => true,
        _ => exception.InnerException is not null && IsDatabase(exception.InnerException),
    };
}
