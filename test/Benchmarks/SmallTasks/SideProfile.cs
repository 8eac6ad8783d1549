namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// Where a side's measured phase spent the machine: processor time of each of its parts (the
/// clients in this process, the side's own processes, the PostgreSQL server), of everything else
/// running on the machine meanwhile, and the database's work.
/// </summary>
internal sealed record SideProfile(IReadOnlyDictionary<string, TimeSpan> Parts, TimeSpan Others, TimeSpan Wall, DatabaseWork? Work = null)
{
    public const string Clients = "clients (the benchmark process)";
    public const string Gateway = "gateway";
    public const string Silos = "silos";
    public const string HangfireServer = "Hangfire server";
    public const string Postgres = "PostgreSQL";

    public static readonly string[] PartNames = [Clients, Gateway, Silos, HangfireServer, Postgres];
}
