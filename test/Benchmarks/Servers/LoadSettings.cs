namespace OrleansTasks.Benchmarks.Servers;

/// <summary>What the load generator and the servers under load agree on.</summary>
internal static class LoadSettings
{
    public const string User = "bench";

    /// <summary>The line a server prints on standard output once it accepts connections.</summary>
    public const string ReadyLine = "ready";

    /// <summary>
    /// The gateway's connection cap during the run: its shipped default, so that S0 checks the
    /// limit users get.
    /// </summary>
    public static int GatewayMaxConnections => new Gateway.Hosting.GatewayOptions().MaxConnections;
}
