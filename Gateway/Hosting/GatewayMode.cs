namespace OrleansTasks.Gateway.Hosting;

public enum GatewayMode
{
    /// <summary>A silo runs inside the gateway process: nothing else is needed, nothing is kept across restarts.</summary>
    Embedded,

    /// <summary>The gateway is an Orleans client of a separately running cluster.</summary>
    Client,
}
