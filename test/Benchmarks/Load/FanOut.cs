namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// S1: one task watched by N sockets; the event rate steps up until p99 from publish to receipt
/// passes the bound. Reports the deliveries per second of the last step within it.
/// </summary>
internal static class FanOut
{
    private const string Scenario = "S1";


    private static readonly TimeSpan Drain = TimeSpan.FromMilliseconds(500);

    public static async Task RunAsync(ServerProcess server, LoadPlan plan, FigureSink figures)
    {
        foreach (var fanOut in plan.FanOuts)
        {
            var topic = (await server.CreateTopicsAsync(1))[0];
            using var fleet = new SocketFleet(new LoadTarget(server.Kind, server.BaseUri));
            await fleet.ConnectAsync(fanOut.Sockets, [topic]);
            // Not measured: lets the JIT and the caches settle, as on a gateway that has been running.
            await server.PublishAsync([topic], fanOut.EventsPerSecond[0], plan.Warmup);
            await Task.Delay(plan.Warmup + Drain);
            WindowFigures? best = null;
            var bestRate = 0;
            foreach (var rate in fanOut.EventsPerSecond)
            {
                fleet.Deliveries.Reset();
                var processor = server.ProcessorTime();
                var gc = await server.GcAsync();
                await server.PublishAsync([topic], rate, plan.Step);
                await Task.Delay(plan.Step + Drain);
                var step = fleet.Deliveries.Read();
                var perSecond = fleet.Deliveries.Received / plan.Step.TotalSeconds;
                var deliveries = Math.Max(1, fleet.Deliveries.Received);
                var cost = (server.ProcessorTime() - processor).TotalMicroseconds / deliveries;
                var gcAfter = await server.GcAsync();
                Console.WriteLine(FormattableString.Invariant(
                    $"    {server.Kind} S1 N={fanOut.Sockets} {rate} events/s: {perSecond:N0} deliveries/s, p99 {step.P99:0.#} ms; server per delivery: {cost:0.0} µs processor, {(gcAfter.AllocatedBytes - gc.AllocatedBytes) / deliveries} B allocated; GC {gcAfter.Collections - gc.Collections} collections, {gcAfter.PausedMilliseconds - gc.PausedMilliseconds:0} ms paused"));
                if (step.P99 > fanOut.P99BoundMs || double.IsNaN(step.P99))
                {
                    break;
                }

                best = step with { DeliveriesPerSecond = perSecond };
                bestRate = rate;
            }

            var label = FormattableString.Invariant($"N={fanOut.Sockets:N0}, p99 ≤ {fanOut.P99BoundMs} ms");
            figures.Add(Scenario, $"deliveries/s, {label}", "/s", best?.DeliveriesPerSecond ?? 0);
            figures.Add(Scenario, $"events/s published, {label}", "/s", bestRate);
            figures.Add(Scenario, $"p99 at that rate, N={fanOut.Sockets:N0}", "ms", best?.P99 ?? double.NaN);
        }
    }
}
