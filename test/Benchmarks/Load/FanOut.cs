using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// S1: one task watched by N sockets; the event rate steps up until p99 from publish to receipt
/// passes the bound. Each step publishes for three windows of <see cref="LoadPlan.Step"/> and
/// takes the median of their p99s, so that one hiccup on this shared machine (a collection in
/// the generator, say) does not end the run while sustained overload does. Reports the
/// most deliveries per second of a step within the bound: past a server's capacity its deliveries
/// stop growing while coalescing keeps its latency bounded, so the last step within the bound need
/// not be its best.
/// </summary>
internal static class FanOut
{
    private const string Scenario = "S1";
    private const int Windows = 3;

    public static async Task RunAsync(ServerProcess server, LoadPlan plan, FigureSink figures)
    {
        foreach (var fanOut in plan.FanOuts)
        {
            var topic = (await server.CreateTopicsAsync(1))[0];
            using var fleet = new SocketFleet(new LoadTarget(server.Kind, server.BaseUri));
            await fleet.ConnectAsync(fanOut.Sockets, [topic]);

            // Not measured: a rate every server takes lets the JIT compile the hot paths fully and
            // the caches settle, as on a gateway that has been running for a while.
            await server.PublishAsync([topic], fanOut.EventsPerSecond[fanOut.EventsPerSecond.Length / 3], plan.Warmup);
            await Task.Delay(plan.Warmup + plan.StepDrain);
            (double PerSecond, double P99)? best = null;
            var bestRate = 0;
            var lastRate = 0;
            foreach (var rate in fanOut.EventsPerSecond)
            {
                var step = await MeasureStepAsync(server, plan, fleet, fanOut, topic, rate);
                if (double.IsNaN(step.P99) || step.P99 > fanOut.P99BoundMs)
                {
                    break;
                }

                lastRate = rate;
                if (best is null || step.PerSecond > best.Value.PerSecond)
                {
                    best = step;
                    bestRate = rate;
                }
            }

            if (lastRate == fanOut.EventsPerSecond[^1])
            {
                Console.WriteLine(FormattableString.Invariant(
                    $"    {server.Kind} S1 N={fanOut.Sockets}: within the bound at every step, up to {lastRate} events/s: its figure is a lower bound"));
            }

            var label = FormattableString.Invariant($"N={fanOut.Sockets:N0}, p99 ≤ {fanOut.P99BoundMs} ms");
            figures.Add(Scenario, $"deliveries/s, {label}", "/s", best?.PerSecond ?? 0);
            figures.Add(Scenario, $"events/s published, {label}", "/s", bestRate);
            figures.Add(Scenario, $"p99 at that rate, N={fanOut.Sockets:N0}", "ms", best?.P99 ?? double.NaN);
        }
    }

    private static async Task<(double PerSecond, double P99)> MeasureStepAsync(
        ServerProcess server, LoadPlan plan, SocketFleet fleet, FanOutPlan fanOut, Guid topic, int rate)
    {
        var processor = server.ProcessorTime();
        var gc = await server.GcAsync();
        var p99s = new List<double>();
        long received = 0;
        var started = Stopwatch.GetTimestamp();
        await server.PublishAsync([topic], rate, plan.Step * Windows);
        for (var window = 1; window <= Windows; window++)
        {
            fleet.Deliveries.Reset();
            var end = plan.Step * window + (window == Windows ? plan.StepDrain : TimeSpan.Zero);
            var wait = end - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            p99s.Add(fleet.Deliveries.Read().P99);
            received += fleet.Deliveries.Received;
        }

        p99s.Sort();
        var p99 = p99s[Windows / 2];
        var perSecond = received / (plan.Step.TotalSeconds * Windows);
        var deliveries = Math.Max(1, received);
        var cost = (server.ProcessorTime() - processor).TotalMicroseconds / deliveries;
        var gcAfter = await server.GcAsync();
        Console.WriteLine(FormattableString.Invariant(
            $"    {server.Kind} S1 N={fanOut.Sockets} {rate} events/s: {perSecond:N0} deliveries/s, p99 {p99:0.#} ms (windows: {string.Join(", ", p99s.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}); server per delivery: {cost:0.0} µs processor, {(gcAfter.AllocatedBytes - gc.AllocatedBytes) / deliveries} B allocated; {gcAfter.Collections - gc.Collections} GCs, {gcAfter.PausedMilliseconds - gc.PausedMilliseconds:0} ms paused"));
        return (perSecond, p99);
    }
}
