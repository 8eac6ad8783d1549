namespace OrleansTasks;

/// <summary>
/// Which waiting tasks admission takes first. <see cref="Normal"/> is 0 so that tasks and messages
/// written before priorities existed read as normal.
/// </summary>
public enum TaskPriority
{
    /// <summary>Taken after every normal and high task that waits longer than one ageing period less.</summary>
    Low = -1,

    /// <summary>The default.</summary>
    Normal = 0,

    /// <summary>Taken before normal and low tasks, first come first served with those that aged into it.</summary>
    High = 1,
}

/// <summary>What the priorities are called on the wire.</summary>
public static class TaskPriorities
{
    /// <summary><c>high</c>, <c>normal</c> or <c>low</c>.</summary>
    public static string ToWireName(this TaskPriority priority) => priority switch
    {
        TaskPriority.High => "high",
        TaskPriority.Normal => "normal",
        TaskPriority.Low => "low",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "Unknown task priority."),
    };

    /// <summary>The priority a wire name stands for; false for anything but <c>high</c>, <c>normal</c> and <c>low</c>.</summary>
    public static bool TryParse(string? name, out TaskPriority priority)
    {
        (var known, priority) = name switch
        {
            "high" => (true, TaskPriority.High),
            "normal" => (true, TaskPriority.Normal),
            "low" => (true, TaskPriority.Low),
            _ => (false, TaskPriority.Normal),
        };
        return known;
    }
}
