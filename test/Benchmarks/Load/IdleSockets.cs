using OrleansTasks.Benchmarks.Servers;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>S0: idle sockets — connect rate and memory per socket; on the gateway, the connection cap.</summary>
internal static class IdleSockets
{
    private const string Scenario = "S0";

    public static async Task RunAsync(ServerProcess server, LoadPlan plan, FigureSink figures)
    {
        var topics = await server.CreateTopicsAsync(plan.IdleTopics);
        using var fleet = new SocketFleet(new LoadTarget(server.Kind, server.BaseUri));
        var baseline = await server.MemoryAsync();
        foreach (var count in plan.IdleSockets)
        {
            var rate = await fleet.ConnectAsync(count - fleet.Sockets.Count, topics);
            var memory = await server.MemoryAsync();
            figures.Add(Scenario, $"connects/s up to {count:N0} sockets", "/s", rate);
            figures.Add(Scenario, $"memory per socket at {count:N0}", "KiB", (memory.WorkingSetBytes - baseline.WorkingSetBytes) / 1024.0 / count);
            figures.Add(Scenario, $"managed memory per socket at {count:N0}", "KiB", (memory.ManagedBytes - baseline.ManagedBytes) / 1024.0 / count);
        }

        if (server.Kind == ServerHosts.OrleansTasks)
        {
            await CheckCapAsync(server, plan, fleet, topics, figures);
        }
    }

    /// <summary>Fills the gateway to its cap; one more socket must be refused with 503 while the gateway keeps serving.</summary>
    private static async Task CheckCapAsync(ServerProcess server, LoadPlan plan, SocketFleet fleet, Guid[] topics, FigureSink figures)
    {
        var cap = plan.GatewayMaxConnections ?? LoadSettings.GatewayMaxConnections;
        await fleet.ConnectAsync(cap - fleet.Sockets.Count, topics);
        var refusal = 0;
        try
        {
            (await fleet.ConnectOneAsync(topics[0])).Dispose();
        }
        catch (RefusedException refused)
        {
            refusal = refused.Status;
        }

        figures.Add(Scenario, $"HTTP status of socket {cap + 1:N0} (cap {cap:N0})", "status", refusal);
        var health = await server.Http.GetAsync("/health/ready");
        figures.Add(Scenario, "health at the cap", "status", (int)health.StatusCode);
        var alive = fleet.Sockets.Count(socket => !socket.Ended);
        figures.Add(Scenario, "sockets still open at the cap", "sockets", alive);
        if (refusal != 503 || !health.IsSuccessStatusCode || alive != cap)
        {
            throw new LoadCheckException($"At the cap of {cap} the gateway answered {refusal}, health {(int)health.StatusCode}, {alive} sockets open.");
        }
    }
}

/// <summary>A behaviour the benchmark checks did not hold.</summary>
internal sealed class LoadCheckException(string message) : Exception(message);
