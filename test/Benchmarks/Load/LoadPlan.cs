namespace OrleansTasks.Benchmarks.Load;

/// <summary>The sizes and durations of one run: the full benchmark, or the quick one CI runs so that it cannot rot.</summary>
internal sealed partial record LoadPlan(
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
    TimeSpan StoppedWindow,
    TimeSpan StoppedWarmup,
    TimeSpan Warmup,
    TimeSpan KeepAliveInterval,
    TimeSpan SlowConsumerTimeout,
    bool MeasureHeadroom,
    bool FreshServers,
    TimeSpan StepDrain,
    int[] FeedSubscribers,
    int FeedTasks,
    int FeedChangesPerSecond)
{
    public static readonly LoadPlan Full = new(
        IdleSockets: [1_000, 5_000, 15_000],
        IdleTopics: 100,
        GatewayMaxConnections: null,
        FanOuts:
        [
            new(1_000, 100, [50, 100, 200, 300, 350, 400, 450, 500, 550, 600, 700, 800, 900, 1_000, 1_200, 1_400, 1_600, 2_000]),
            new(5_000, 250, [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 100, 120]),
        ],
        Step: TimeSpan.FromSeconds(2),
        ManyTasks: 1_000,
        FewTasks: 100,
        EventsPerTask: 10,
        Window: TimeSpan.FromSeconds(10),
        ChurnPerSecond: 0.05,
        StoppedShare: 0.01,
        StoppedWindow: TimeSpan.FromSeconds(30),
        StoppedWarmup: TimeSpan.FromSeconds(15),
        Warmup: TimeSpan.FromSeconds(5),
        KeepAliveInterval: new Gateway.Hosting.GatewayOptions().KeepAliveInterval,
        SlowConsumerTimeout: new Gateway.Hosting.GatewayOptions().SlowConsumerTimeout,
        MeasureHeadroom: true,
        FreshServers: true,
        StepDrain: TimeSpan.FromSeconds(1),
        FeedSubscribers: [100, 1_000, 5_000],
        FeedTasks: 1_000,
        FeedChangesPerSecond: FeedProgressPerSecond);

    public static readonly LoadPlan Quick = new(
        IdleSockets: [100, 200],
        IdleTopics: 10,
        GatewayMaxConnections: 250,
        FanOuts: [new(100, 100, [50, 100])],
        Step: TimeSpan.FromSeconds(0.5),
        ManyTasks: 50,
        FewTasks: 10,
        EventsPerTask: 10,
        Window: TimeSpan.FromSeconds(1),
        ChurnPerSecond: 0.05,
        StoppedShare: 0.05,
        StoppedWindow: TimeSpan.FromSeconds(4.5),
        StoppedWarmup: TimeSpan.FromSeconds(1),
        Warmup: TimeSpan.FromSeconds(0.5),
        KeepAliveInterval: TimeSpan.FromSeconds(1),
        SlowConsumerTimeout: TimeSpan.FromSeconds(2),
        MeasureHeadroom: false,
        FreshServers: false,
        StepDrain: TimeSpan.FromSeconds(0.3),
        FeedSubscribers: [20, 50],
        FeedTasks: 50,
        FeedChangesPerSecond: FeedProgressPerSecond);
}

internal sealed partial record LoadPlan
{
    /// <summary>The most progress changes a second a task puts on its owner's feed, as shipped.</summary>
    private static int FeedProgressPerSecond => new Tasks.TasksOptions().FeedProgressPerSecond;

    /// <summary>The gateway's settings for S0: its connection cap when the plan sets one.</summary>
    public IReadOnlyDictionary<string, string>? CapSettings => GatewayMaxConnections is { } cap
        ? new Dictionary<string, string> { ["Gateway:MaxConnections"] = cap.ToString(System.Globalization.CultureInfo.InvariantCulture) }
        : null;

    /// <summary>The gateway's keep-alive settings, for S2–S4: the shipped ones, or shorter ones in the quick run.</summary>
    public IReadOnlyDictionary<string, string> KeepAliveSettings => new Dictionary<string, string>
    {
        ["Gateway:KeepAliveInterval"] = KeepAliveInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Gateway:SlowConsumerTimeout"] = SlowConsumerTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>S1 for one number of sockets: event rates tried in turn until p99 passes <see cref="P99BoundMs"/>.</summary>
internal sealed record FanOutPlan(int Sockets, double P99BoundMs, int[] EventsPerSecond);
