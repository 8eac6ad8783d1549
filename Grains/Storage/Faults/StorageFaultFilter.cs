using Microsoft.Extensions.Logging;

namespace OrleansTasks.Storage.Faults;

/// <summary>
/// Every grain call answers a failure of the task store with the product's exception instead of
/// the provider's, which the caller (another silo, the gateway) has no codec for. A failure the
/// storage boundaries converted (and logged) passes unchanged; one this filter converts, such as
/// the index's or the history's, is logged here, once.
/// </summary>
public sealed class StorageFaultFilter(ILoggerFactory loggers) : IIncomingGrainCallFilter
{
    private readonly ILogger _logger = loggers.CreateLogger(StorageFaults.LogCategory);

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (
            StorageFaults.Convert(exception, _logger, $"{context.InterfaceName}.{context.MethodName}", context.TargetId) is { } product)
        {
            throw product;
        }
    }
}
