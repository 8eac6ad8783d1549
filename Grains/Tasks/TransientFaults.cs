using System.Net.Sockets;
using Npgsql;

namespace OrleansTasks.Tasks;

/// <summary>Faults that pass with time (a database restarting, a network blip): the task waits and retries instead of failing.</summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        TimeoutException or SocketException or StorageUnavailableException => true,
        OrleansException => true,
        _ => exception.InnerException is not null && IsTransient(exception.InnerException),
    };
}
