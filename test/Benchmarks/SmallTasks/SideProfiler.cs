namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>Reads processor time at the start and the end of a measured phase.</summary>
internal sealed class SideProfiler
{
    private readonly IReadOnlyDictionary<string, int[]> _processes;
    private readonly string _postgresFolder;
    private readonly Dictionary<string, TimeSpan> _start;
    private readonly TimeSpan _machineStart;
    private readonly DateTime _wallStart = DateTime.UtcNow;

    /// <param name="processes">The side's own processes by part (the clients, this process, are added).</param>
    public SideProfiler(IReadOnlyDictionary<string, int[]> processes, string postgresFolder)
    {
        _processes = new Dictionary<string, int[]>(processes) { [SideProfile.Clients] = [Environment.ProcessId] };
        _postgresFolder = postgresFolder;
        _start = Read();
        _machineStart = ProcessorTime.OfMachine();
    }

    /// <summary>The processor time since the start; the database's work is added once it has been reported.</summary>
    public SideProfile Stop()
    {
        var end = Read();
        var machine = ProcessorTime.OfMachine() - _machineStart;
        var parts = end.ToDictionary(part => part.Key, part => part.Value - _start[part.Key]);
        var ours = parts.Values.Aggregate(TimeSpan.Zero, (sum, part) => sum + part);
        return new SideProfile(parts, machine - ours, DateTime.UtcNow - _wallStart);
    }

    private Dictionary<string, TimeSpan> Read()
    {
        var parts = _processes.ToDictionary(
            part => part.Key,
            part => part.Value.Aggregate(TimeSpan.Zero, (sum, processId) => sum + ProcessorTime.OfProcess(processId)));
        parts[SideProfile.Postgres] = ProcessorTime.OfPostgres(_postgresFolder);
        return parts;
    }
}
