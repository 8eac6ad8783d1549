using Hangfire;
using Npgsql;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// The Hangfire peer's server as its own process (as a silo is): ten workers over the peer's
/// database, named in <see cref="DatabaseVariable"/>, serving the queues listed in
/// <see cref="QueuesVariable"/> (comma-separated, in the order given) or Hangfire's default queue. Runs until it is killed.
/// </summary>
internal static class HangfirePeerServer
{
    public const string Mode = "hangfire-server";
    public const string DatabaseVariable = "TASKS_BENCHMARK_HANGFIRE_DATABASE";
    public const string QueuesVariable = "TASKS_BENCHMARK_HANGFIRE_QUEUES";

    public static async Task RunAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable(DatabaseVariable)
            ?? throw new InvalidOperationException($"{DatabaseVariable} must name the peer's database.");
        await using var documents = NpgsqlDataSource.Create(connectionString);
        HangfirePeer.ConfigureSerialization();
        GlobalConfiguration.Configuration.UseActivator(new PeerJobActivator(documents));
        var options = new BackgroundJobServerOptions { WorkerCount = HangfirePeer.Workers };
        if (Environment.GetEnvironmentVariable(QueuesVariable) is { Length: > 0 } queues)
        {
            options.Queues = queues.Split(',');
        }

        using var server = new BackgroundJobServer(options, HangfirePeer.Storage(connectionString));
        await Task.Delay(Timeout.Infinite);
    }
}
