using Microsoft.Extensions.DependencyInjection;

namespace OrleansTasks.Hosting;

/// <summary>Wraps a provider's registered service (one the provider does not let us construct, such as an internal type) in a decorator.</summary>
public static class ServiceDecoration
{
    /// <summary>Replaces the last registration of <typeparamref name="T"/> (under <paramref name="key"/>, if given) with <paramref name="decorate"/> around it.</summary>
    public static IServiceCollection Decorate<T>(this IServiceCollection services, string? key, Func<T, T> decorate)
        where T : class =>
        services.Decorate<T>(key, (inner, _) => decorate(inner));

    /// <summary>As <see cref="Decorate{T}(IServiceCollection, string?, Func{T, T})"/>, with the service provider for what the decorator needs.</summary>
    public static IServiceCollection Decorate<T>(this IServiceCollection services, string? key, Func<T, IServiceProvider, T> decorate)
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

        return services;
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
