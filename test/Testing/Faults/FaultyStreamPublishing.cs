using Orleans.Providers;

namespace OrleansTasks.Testing.Faults;

/// <summary>
/// Fails publications on the streams a <see cref="FaultPlan"/> names, where the memory stream provider
/// hands an event to its queue grain: the publisher's <c>OnNextAsync</c> throws, as when the queue is out of reach.
/// </summary>
internal sealed class FaultyStreamPublishing(FaultPlan plan) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.Request.GetInterfaceType() == typeof(IMemoryStreamQueueGrain)
            && context.Request.GetArgumentCount() > 0
            && context.Request.GetArgument(0) is MemoryMessageData message
            && plan.OnPublish(message.StreamId) == Fault.Fail)
        {
            throw FaultPlan.Injected($"publishing on {message.StreamId}");
        }

        return context.Invoke();
    }
}
