namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// The Linux bridges of a test engine's networks. dockerd removes a network's bridge when the network
/// is removed, not when dockerd stops: a run whose engine stopped with the site's network still there
/// (a failed <c>down</c>, a killed run) leaves a bridge holding the site's subnet, and its route takes
/// the traffic of the next engine's network of the same subnet. Published ports then accept
/// connections and close them at once (docker-proxy cannot reach the container), as a whole compose
/// run did here. Only bridges of a test's engine are removed: those of its own networks once it has
/// stopped, and, left by a run that is gone, those that are down on the subnet the test keeps for itself.
/// </summary>
public static class LeftoverBridges
{
    private static readonly Dictionary<string, string> NoVariables = [];

    /// <summary>The bridges of the engine's bridge networks (dockerd names each <c>br-</c> and the network id's first twelve digits).</summary>
    public static async Task<List<string>> OfEngineAsync(DockerEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var networks = await engine.DockerAsync(["network", "ls", "--no-trunc", "--quiet", "--filter", "driver=bridge"], TimeSpan.FromSeconds(30));
        return networks.ExitCode != 0 ? [] : [.. networks.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => id.Trim())
            .Where(id => id.Length >= 12)
            .Select(id => "br-" + id[..12])];
    }

    /// <summary>Removes the bridges that are down and hold an address starting with <paramref name="subnetPrefix"/>; returns their names.</summary>
    public static async Task<List<string>> RemoveDownInSubnetAsync(string subnetPrefix)
    {
        var addresses = await CommandLine.RunOrFailAsync("ip", ["-o", "-4", "addr", "show"], NoVariables, TimeSpan.FromSeconds(30));
        var inSubnet = addresses.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 3 && fields[1].StartsWith("br-", StringComparison.Ordinal) && fields[3].StartsWith(subnetPrefix, StringComparison.Ordinal))
            .Select(fields => fields[1])
            .ToHashSet();
        var removed = new List<string>();
        foreach (var bridge in inSubnet)
        {
            var state = await CommandLine.RunOrFailAsync("ip", ["-o", "link", "show", "dev", bridge], NoVariables, TimeSpan.FromSeconds(30));
            if (state.Contains("state DOWN", StringComparison.Ordinal))
            {
                await RemoveAsync([bridge]);
                removed.Add(bridge);
            }
        }

        return removed;
    }

    public static async Task RemoveAsync(IEnumerable<string> bridges)
    {
        foreach (var bridge in bridges)
        {
            await CommandLine.RunAsync("ip", ["link", "delete", bridge], NoVariables, TimeSpan.FromSeconds(30));
        }
    }
}
