using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// A cluster client that is the service's own in every call, except that its services answer the
/// task stream provider's name with the provider given to <see cref="Create"/>: what <c>GetStreamProvider</c> returns.
/// </summary>
public class ClientWithStreams : DispatchProxy
{
    private IClusterClient _client = null!;
    private Services _services = null!;

    public static IClusterClient Create(IClusterClient client, IStreamProvider streams)
    {
        var proxy = Create<IClusterClient, ClientWithStreams>();
        var self = (ClientWithStreams)(object)proxy;
        self._client = client;
        self._services = new Services(client.ServiceProvider, streams);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == "get_" + nameof(IClusterClient.ServiceProvider))
        {
            return _services;
        }

        try
        {
            return targetMethod.Invoke(_client, args);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }
    }

    private sealed class Services(IServiceProvider inner, IStreamProvider streams) : IKeyedServiceProvider
    {
        public object? GetService(Type serviceType) => inner.GetService(serviceType);

        public object? GetKeyedService(Type serviceType, object? serviceKey) =>
            IsTaskStreams(serviceType, serviceKey) ? streams : inner.GetKeyedServices(serviceType, serviceKey).LastOrDefault();

        public object GetRequiredKeyedService(Type serviceType, object? serviceKey) =>
            IsTaskStreams(serviceType, serviceKey) ? streams : inner.GetRequiredKeyedService(serviceType, serviceKey);

        private static bool IsTaskStreams(Type serviceType, object? serviceKey) =>
            serviceType == typeof(IStreamProvider) && Equals(serviceKey, TaskStreams.ProviderName);
    }
}
