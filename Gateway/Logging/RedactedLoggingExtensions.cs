using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrleansTasks.Gateway.Logging;

public static class RedactedLoggingExtensions
{
    /// <summary>
    /// Replaces the host's logger factory with a <see cref="RedactingLoggerFactory"/> around the
    /// usual one, over every logger provider (including those registered after this call).
    /// </summary>
    public static IServiceCollection AddCredentialRedaction(this IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(provider => new RedactingLoggerFactory(new LoggerFactory(
            provider.GetServices<ILoggerProvider>(),
            provider.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            provider.GetService<IOptions<LoggerFactoryOptions>>(),
            provider.GetService<IExternalScopeProvider>()))));
}
