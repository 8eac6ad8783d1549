using Microsoft.Extensions.Logging;

namespace OrleansTasks.Storage.Faults;

/// <summary>
/// Every grain call answers a failure of the task store with <see cref="StorageUnavailableException"/>
/// instead of the provider's exception, which the caller (another silo, the gateway) has no codec
/// for. The full exception stays in this silo's log.
/// </summary>
public sealed partial class StorageFaultFilter(ILogger<StorageFaultFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (StorageFaults.Translate(exception) is { } unavailable)
        {
            Log.Translated(logger, exception, context.InterfaceName, context.MethodName);
            throw unavailable;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The task store failed a call to {Interface}.{Method}; the caller is told it is unavailable")]
        public static partial void Translated(ILogger logger, Exception exception, string @interface, string method);
    }
}
