using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>Says at start which mode runs and which development conveniences are on.</summary>
public sealed partial class StartupReport(
    IOptions<GatewayOptions> gateway, SigningKeyHolder keys, IHostEnvironment environment, ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (gateway.Value.Mode == GatewayMode.Embedded)
        {
            Log.Embedded(logger);
        }
        else
        {
            Log.Client(logger);
        }

        if (keys.Key?.Generated == true)
        {
            Log.GeneratedKey(logger);
        }

        if (environment.IsDevelopment())
        {
            Log.DevelopmentOrigins(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Gateway mode: Embedded. A silo runs in this process with in-memory storage, streams and reminders: nothing is kept across restarts.")]
        public static partial void Embedded(ILogger logger);

        [LoggerMessage(2, LogLevel.Information, "Gateway mode: Client. This gateway joins the cluster named by the Cluster section.")]
        public static partial void Client(ILogger logger);

        [LoggerMessage(3, LogLevel.Warning, "Auth:SigningKey is not set: a random key was generated for this run (Development only); tokens stop working when the gateway restarts.")]
        public static partial void GeneratedKey(ILogger logger);

        [LoggerMessage(4, LogLevel.Warning, "Development: WebSocket handshakes from http://localhost:*, http://127.0.0.1:* and 'null' origins are allowed.")]
        public static partial void DevelopmentOrigins(ILogger logger);
    }
}
