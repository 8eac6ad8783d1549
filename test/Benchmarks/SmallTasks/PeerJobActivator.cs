using Hangfire;
using Npgsql;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>Gives Hangfire's workers the peer's job with the process's one data source for the documents.</summary>
internal sealed class PeerJobActivator(NpgsqlDataSource documents) : JobActivator
{
    public override object ActivateJob(Type jobType) =>
        jobType == typeof(PeerIndexJob) ? new PeerIndexJob(documents) : base.ActivateJob(jobType);
}
