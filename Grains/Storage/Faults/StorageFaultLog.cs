using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTasks.Storage.Faults;

/// <summary>
/// The one log entry of a storage failure, written where it is converted. An availability failure
/// is one line (it is load or an outage, and a storm of them must not bury the log in stack traces);
/// any other carries the full exception, for it is a defect the operator has to find.
/// </summary>
public static partial class StorageFaultLog
{
    /// <summary>Logs <paramref name="cause"/>, converted to <paramref name="product"/>, once.</summary>
    public static void Converted(ILogger logger, DbException cause, Exception product, string operation, object? subject)
    {
        ArgumentNullException.ThrowIfNull(cause);
        ArgumentNullException.ThrowIfNull(product);
        var state = (cause as PostgresException)?.SqlState ?? AvailabilityFailures.TimeoutOf(cause) switch
        {
            StoreTimeout.PoolWait => "pool timeout",
            StoreTimeout.Connect => "connect timeout",
            StoreTimeout.Answer => "answer timeout",
            _ => "none",
        };
        if (product is StorageUnavailableException)
        {
            Unavailable(logger, operation, subject, state, product.Message);
        }
        else
        {
            Failed(logger, cause, operation, subject, state);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The task store was unavailable for {Operation} of {Subject} (SqlState {SqlState}): {Reason}")]
    private static partial void Unavailable(ILogger logger, string operation, object? subject, string sqlState, string reason);

    [LoggerMessage(2, LogLevel.Error, "The task store failed {Operation} of {Subject} (SqlState {SqlState}); the caller gets an internal error")]
    private static partial void Failed(ILogger logger, Exception exception, string operation, object? subject, string sqlState);
}
