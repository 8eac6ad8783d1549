using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrleansTasks.Gateway.Logging;

public static class RedactedLoggingExtensions
{
    /// <summary>
    /// Makes the host's logger factory wrap every logger provider — including those registered
    /// after this call — in a <see cref="RedactingLoggerProvider"/>.
    /// </summary>
    public static IServiceCollection AddCredentialRedaction(this IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(provider => new LoggerFactory(
            provider.GetServices<ILoggerProvider>().Select(inner => new RedactingLoggerProvider(inner)),
            provider.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            provider.GetService<IOptions<LoggerFactoryOptions>>(),
            provider.GetService<IExternalScopeProvider>())));
}
