using Hangfire;
using Npgsql;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// The Hangfire peer's server as its own process (as a silo is): ten workers over the peer's
/// database, named in <see cref="DatabaseVariable"/>. Runs until it is killed.
/// </summary>
internal static class HangfirePeerServer
{
    public const string Mode = "hangfire-server";
    public const string DatabaseVariable = "TASKS_BENCHMARK_HANGFIRE_DATABASE";

    public static async Task RunAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable(DatabaseVariable)
            ?? throw new InvalidOperationException($"{DatabaseVariable} must name the peer's database.");
        await using var documents = NpgsqlDataSource.Create(connectionString);
        HangfirePeer.ConfigureSerialization();
        GlobalConfiguration.Configuration.UseActivator(new PeerJobActivator(documents));
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = HangfirePeer.Workers }, HangfirePeer.Storage(connectionString));
        await Task.Delay(Timeout.Infinite);
    }
}
