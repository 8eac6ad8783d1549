using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// F1, the gateway only: <see cref="LoadPlan.FeedTasks"/> tasks change on their owners' feeds at
/// <see cref="LoadPlan.FeedChangesPerSecond"/> a second each (the product's cap for progress) while
/// users follow them over <c>/ws/tasks</c>, one to ten sockets each, for each number of subscribers
/// in turn. Per subscriber: the server's working set, its processor beyond what the same publishing
/// costs with nobody subscribed, and the latency from publish to receipt. Every change owed to a
/// socket must arrive or be coalesced (a gap in the task's <c>seq</c>), each task's last change must
/// arrive, and none may come out of order or twice.
/// </summary>
internal static class OwnerFeeds
{
    private const string Scenario = "F1";
    private static readonly TimeSpan LastChangeDeadline = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(ServerProcess server, LoadPlan plan, FigureSink figures)
    {
        var idle = await PublishingAloneAsync(server, plan);
        figures.Add(Scenario, $"server processor with no subscriber, {plan.FeedTasks:N0} tasks × {plan.FeedChangesPerSecond} changes/s", "ms/s", idle);
        foreach (var subscribers in plan.FeedSubscribers)
        {
            await MeasureAsync(server, plan, subscribers, idle, figures);
        }
    }

    /// <summary>The server's processor milliseconds a second while the tasks publish with nobody subscribed.</summary>
    private static async Task<double> PublishingAloneAsync(ServerProcess server, LoadPlan plan)
    {
        using var nobody = FeedSubscribers.ForUsers(plan.FeedSubscribers[0], "feed-unwatched");
        var tasks = await server.CreateOwnedTasksAsync(nobody.Owners(plan.FeedTasks));
        await server.PublishOnOwnerFeedsAsync(tasks, plan.FeedChangesPerSecond, plan.Warmup + plan.Window);
        await Task.Delay(plan.Warmup);
        var processor = server.ProcessorTime();
        await Task.Delay(plan.Window);
        return (server.ProcessorTime() - processor).TotalMilliseconds / plan.Window.TotalSeconds;
    }

    private static async Task MeasureAsync(ServerProcess server, LoadPlan plan, int subscribers, double idle, FigureSink figures)
    {
        using var fleet = FeedSubscribers.ForUsers(subscribers, $"feed{subscribers}");
        var tasks = await server.CreateOwnedTasksAsync(fleet.Owners(plan.FeedTasks));
        var before = await server.MemoryAsync();
        await fleet.ConnectAsync(server.BaseUri);
        var connected = await server.MemoryAsync();

        await server.PublishOnOwnerFeedsAsync(tasks, plan.FeedChangesPerSecond, plan.Warmup);
        await Task.Delay(plan.Warmup + ManyTasks.Drain);
        var seqsAtStart = fleet.NewestSeqs(tasks);
        var (received, skipped) = (fleet.Received, fleet.Skipped);
        fleet.Deliveries.Reset();
        var processor = server.ProcessorTime();
        await server.PublishOnOwnerFeedsAsync(tasks, plan.FeedChangesPerSecond, plan.Window);
        await Task.Delay(plan.Window);
        var busy = (server.ProcessorTime() - processor).TotalMilliseconds / plan.Window.TotalSeconds;
        await Task.Delay(ManyTasks.Drain);
        var window = fleet.Deliveries.Read();

        var owed = fleet.Owed(await server.LastSeqsAsync(tasks));
        var lastMissing = await LastChangesMissingAsync(fleet, tasks, owed);
        var delivered = fleet.Received - received;
        var coalesced = fleet.Skipped - skipped;
        var owedInWindow = owed.Zip(seqsAtStart, (last, start) => last.Zip(start, (l, s) => l - s).Sum()).Sum();
        var loaded = await server.MemoryAsync();

        var label = $"{subscribers:N0} subscribers ({fleet.Users.Length:N0} users)";
        figures.Add(Scenario, $"working set per subscriber, connected, {label}", "KiB", (connected.WorkingSetBytes - before.WorkingSetBytes) / 1024.0 / subscribers);
        figures.Add(Scenario, $"working set per subscriber, after the load, {label}", "KiB", (loaded.WorkingSetBytes - before.WorkingSetBytes) / 1024.0 / subscribers);
        figures.Add(Scenario, $"server processor, {label}", "ms/s", busy);
        figures.Add(Scenario, $"processor per subscriber beyond publishing, {label}", "ms/s", (busy - idle) / subscribers);
        figures.Add(Scenario, $"processor per message beyond publishing, {label}", "µs", delivered == 0 ? double.NaN : (busy - idle) * plan.Window.TotalSeconds * 1000 / delivered);
        figures.Add(Scenario, $"task messages owed, {label}", "messages", owedInWindow);
        figures.Add(Scenario, $"task messages received, {label}", "messages", delivered);
        figures.Add(Scenario, $"changes coalesced (seq gaps), {label}", "changes", coalesced);
        figures.Add(Scenario, $"neither received nor coalesced, {label}", "changes", owedInWindow - delivered - coalesced);
        figures.Add(Scenario, $"last changes missing, {label}", "socket-tasks", lastMissing);
        figures.Add(Scenario, $"out of order or twice, {label}", "messages", fleet.Disordered);
        figures.Add(Scenario, $"p50, {label}", "ms", window.P50);
        figures.Add(Scenario, $"p99, {label}", "ms", window.P99);
        if (lastMissing > 0 || fleet.Disordered > 0 || owedInWindow != delivered + coalesced || fleet.SocketsClosed > 0)
        {
            throw new LoadCheckException(
                $"F1 with {subscribers} subscribers: {lastMissing} last changes missing, {fleet.Disordered} out of order or twice, " +
                $"{owedInWindow - delivered - coalesced} changes neither received nor coalesced, {fleet.SocketsClosed} sockets closed.");
        }
    }

    /// <summary>Waits (with a deadline) for every socket to hold each of its tasks' last change; returns the pairs still without it.</summary>
    private static async Task<int> LastChangesMissingAsync(FeedSubscribers fleet, Guid[] tasks, long[][] owed)
    {
        int Missing() => fleet.NewestSeqs(tasks).Zip(owed, (newest, last) => newest.Zip(last).Count(pair => pair.First != pair.Second)).Sum();
        try
        {
            await Eventually.TrueAsync("every /ws/tasks socket to receive its tasks' last change", () => Task.FromResult(Missing() == 0), LastChangeDeadline);
        }
        catch (TimeoutException)
        {
        }

        return Missing();
    }
}
