using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.Timers;
using OrleansTasks.History;
using OrleansTasks.Indexing;

namespace OrleansTasks.Testing.Faults;

/// <summary>Puts the fault decorators around a silo's task storage, reminders, index and history.</summary>
public static class FaultInjection
{
    /// <summary>Call after the silo's own services are added; the plan is a singleton the tests reach through the silo's services.</summary>
    public static IServiceCollection AddFaultInjection(this IServiceCollection services)
    {
        services.AddSingleton<FaultPlan>();
        Decorate<IGrainStorage>(services, StorageNames.Tasks, (inner, provider) => new FaultyGrainStorage(inner, provider.GetRequiredService<FaultPlan>()));
        Decorate<IReminderRegistry>(services, null, (inner, provider) => new FaultyReminderRegistry(inner, provider.GetRequiredService<FaultPlan>()));
        Decorate<IDocumentIndex>(services, null, (inner, provider) => new FaultyDocumentIndex(inner, provider.GetRequiredService<FaultPlan>()));
        Decorate<ITaskHistory>(services, null, (inner, provider) => new FaultyTaskHistory(inner, provider.GetRequiredService<FaultPlan>()));
        return services;
    }

    /// <summary>Replaces the last registration of <typeparamref name="T"/> (under <paramref name="key"/>) with a decorator around it.</summary>
    private static void Decorate<T>(IServiceCollection services, string? key, Func<T, IServiceProvider, T> decorate)
        where T : class
    {
        var descriptor = services.Last(d => d.ServiceType == typeof(T) && (key is null ? !d.IsKeyedService : Equals(d.ServiceKey, key)));
        services.Remove(descriptor);
        if (key is null)
        {
            services.AddSingleton(provider => decorate((T)Create(provider, descriptor, null), provider));
        }
        else
        {
            services.AddKeyedSingleton(key, (provider, serviceKey) => decorate((T)Create(provider, descriptor, serviceKey), provider));
        }
    }

    private static object Create(IServiceProvider provider, ServiceDescriptor descriptor, object? key) => descriptor switch
    {
        { IsKeyedService: true, KeyedImplementationInstance: { } instance } => instance,
        { IsKeyedService: true, KeyedImplementationFactory: { } factory } => factory(provider, key),
        { IsKeyedService: true, KeyedImplementationType: { } type } => ActivatorUtilities.CreateInstance(provider, type),
        { ImplementationInstance: { } instance } => instance,
        { ImplementationFactory: { } factory } => factory(provider),
        { ImplementationType: { } type } => ActivatorUtilities.CreateInstance(provider, type),
        _ => throw new InvalidOperationException($"Cannot decorate {descriptor.ServiceType}."),
    };
}
