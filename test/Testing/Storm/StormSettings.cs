namespace OrleansTasks.Testing.Storm;

/// <summary>The storm's pace and the cluster settings it runs against, shared by the test and the long program.</summary>
public static class StormSettings
{
    /// <summary>How often every connection is terminated.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromMilliseconds(700);

    /// <summary>How long a storm lasts; the work sent during it must converge after it.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(25);

    /// <summary>Short leases, so that a step a failed write interrupted is taken up again within seconds.</summary>
    public static Dictionary<string, string?> Cluster => new()
    {
        ["Tasks:LeasePeriod"] = "00:00:05",
        ["Schedules:CheckPeriod"] = "00:00:05",
    };
}
