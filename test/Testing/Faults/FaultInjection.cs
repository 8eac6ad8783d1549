using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.Timers;
using OrleansTasks.History;
using OrleansTasks.Hosting;
using OrleansTasks.Indexing;
using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Testing.Faults;

/// <summary>Puts the fault decorators around a silo's task storage, reminders, index, history, source file reads and stream publications.</summary>
public static class FaultInjection
{
    /// <summary>Call after the silo's own services are added; the plan is a singleton the tests reach through the silo's services.</summary>
    public static IServiceCollection AddFaultInjection(this IServiceCollection services)
    {
        services.AddSingleton<FaultPlan>();
        services.Decorate<IGrainStorage>(StorageNames.Tasks, (inner, provider) => new FaultyGrainStorage(inner, provider.GetRequiredService<FaultPlan>()));
        services.Decorate<IReminderRegistry>(null, (inner, provider) => new FaultyReminderRegistry(inner, provider.GetRequiredService<FaultPlan>()));
        services.Decorate<IDocumentIndex>(null, (inner, provider) => new FaultyDocumentIndex(inner, provider.GetRequiredService<FaultPlan>()));
        services.Decorate<ISourceFileReader>(null, (inner, provider) => new FaultySourceFiles(inner, provider.GetRequiredService<FaultPlan>()));
        services.Decorate<ITaskHistory>(null, (inner, provider) => new FaultyTaskHistory(inner, provider.GetRequiredService<FaultPlan>()));
        services.AddSingleton<IOutgoingGrainCallFilter, FaultyStreamPublishing>();
        return services;
    }
}
