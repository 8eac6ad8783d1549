using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace OrleansTasks.Silo;

/// <summary>
/// <c>/health/ready</c> on the silo's listener (<c>Silo:MetricsUrls</c>), for container health
/// checks: 200 while this silo is active in the cluster and its PostgreSQL database answers, else
/// 503 with one line saying which is missing. <c>/health/live</c> answers while the process runs.
/// </summary>
internal static class SiloReadiness
{
    private const string ReadyTag = "ready";

    public static void Add(IServiceCollection services) =>
        services.AddHealthChecks().AddCheck<SiloReadyCheck>("silo", tags: [ReadyTag]);

    public static void Map(WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = (context, report) => context.Response.WriteAsync(
                $"{report.Status}: {string.Join("; ", report.Entries.Values.Select(entry => entry.Description))}\n"),
        });
    }
}

/// <summary>This silo active in the cluster, and <c>SELECT 1</c> answered by the cluster database (when there is one).</summary>
internal sealed class SiloReadyCheck(ISiloStatusOracle membership, IServiceProvider services) : IHealthCheck
{
    private static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (membership.CurrentStatus != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy($"the silo is {membership.CurrentStatus}, not active in the cluster");
        }

        if (services.GetService<NpgsqlDataSource>() is not { } database)
        {
            return HealthCheckResult.Healthy("the silo is active (state in memory)");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DatabaseTimeout);
        try
        {
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy("the silo is active and its database answers");
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"the silo's database does not answer ({exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")})");
        }
    }
}
