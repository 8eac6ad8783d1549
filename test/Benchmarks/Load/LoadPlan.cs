namespace OrleansTasks.Benchmarks.Load;

/// <summary>The sizes and durations of one run: the full benchmark, or the quick one CI runs so that it cannot rot.</summary>
internal sealed record LoadPlan(
    int[] IdleSockets,
    int IdleTopics,
    int? GatewayMaxConnections,
    FanOutPlan[] FanOuts,
    TimeSpan Step,
    int ManyTasks,
    int FewTasks,
    int EventsPerTask,
    TimeSpan Window,
    double ChurnPerSecond,
    double StoppedShare,
    TimeSpan StoppedWindow)
{
    public static readonly LoadPlan Full = new(
        IdleSockets: [1_000, 5_000, 15_000],
        IdleTopics: 100,
        GatewayMaxConnections: null,
        FanOuts:
        [
            new(1_000, 100, [100, 200, 300, 400, 500, 600, 700, 800, 1_000, 1_200]),
            new(5_000, 250, [20, 40, 60, 80, 100, 120, 160, 200, 240]),
        ],
        Step: TimeSpan.FromSeconds(4),
        ManyTasks: 1_000,
        FewTasks: 100,
        EventsPerTask: 10,
        Window: TimeSpan.FromSeconds(10),
        ChurnPerSecond: 0.05,
        StoppedShare: 0.01,
        StoppedWindow: TimeSpan.FromSeconds(30));

    public static readonly LoadPlan Quick = new(
        IdleSockets: [100, 200],
        IdleTopics: 10,
        GatewayMaxConnections: 250,
        FanOuts: [new(100, 100, [50, 100])],
        Step: TimeSpan.FromSeconds(1),
        ManyTasks: 50,
        FewTasks: 10,
        EventsPerTask: 10,
        Window: TimeSpan.FromSeconds(2),
        ChurnPerSecond: 0.05,
        StoppedShare: 0,
        StoppedWindow: TimeSpan.Zero);
}

/// <summary>S1 for one number of sockets: event rates tried in turn until p99 passes <see cref="P99BoundMs"/>.</summary>
internal sealed record FanOutPlan(int Sockets, double P99BoundMs, int[] EventsPerSecond);
