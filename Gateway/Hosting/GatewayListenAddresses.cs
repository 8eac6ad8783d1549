using System.Reflection;
using OrleansTasks.Gateway.Telemetry;
using OrleansTasks.Hosting;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>
/// Every address a gateway will listen on: its public URLs, its metrics listener's, and in embedded mode its silo's ports;
/// and what its program does before it runs the host, which only the gateway's own program does.
/// </summary>
public static class GatewayListenAddresses
{
    /// <summary>
    /// Stops the start with one line when another process holds one of the gateway's ports (<see cref="PortsInUse"/>).
    /// Only the gateway's own program probes: a test hosting it in its process (WebApplicationFactory) runs the
    /// program past its build too, on a port of the test's choosing that the configuration does not name.
    /// </summary>
    public static void RefuseTaken(WebApplicationBuilder builder)
    {
        if (IsTheProgram)
        {
            PortsInUse.Refuse(Of(builder));
        }
    }

    /// <summary>
    /// Watches the gateway's start (<see cref="HostStart"/>) when it is its own program: a test hosting it must see the
    /// start's failure itself rather than the program ending as if the start had gone through.
    /// </summary>
    public static void WatchStart(HostStart start, WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (IsTheProgram)
        {
            start.Watch(app);
        }
    }

    private static bool IsTheProgram => Assembly.GetEntryAssembly() == typeof(GatewayListenAddresses).Assembly;

    public static IEnumerable<ListenAddress> Of(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return ListenAddresses.OfWebServer(builder.Configuration)
            .Concat(ListenAddresses.OfMetrics(builder.Configuration, MetricsListener.UrlsKey))
            .Concat(builder.IsEmbedded() ? ListenAddresses.OfSilo(builder.Configuration) : []);
    }
}
