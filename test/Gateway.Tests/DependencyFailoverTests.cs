using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>Dependency chains on real processes: the end of a task reaches its dependants whatever died meanwhile.</summary>
public sealed class DependencyFailoverTests(PostgresServer postgres)
{
    private static readonly Dictionary<string, string?> Lease = new() { ["Tasks:LeasePeriod"] = "00:00:05" };

    [Fact]
    public async Task A_dependency_completing_while_its_dependants_silo_is_down_still_starts_the_dependant()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, Lease);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);

        // The dependency cannot write a document, so cannot end, until the dependant's silo is dead: at
        // 10,000 documents a second it would otherwise race the kill, and every assertion below would
        // still pass had it ended first.
        Guid dependency, dependant;
        JsonElement waiting;
        ProcessHost victim;
        DateTimeOffset killedAt;
        await using (var hold = await DocumentWriteHold.TakeAsync(database))
        {
            dependency = await TaskRequests.CreateAsync(http, TaskRequests.Body(10_000, words: 120));
            var body = TaskRequests.Body(20);
            body["depends_on"] = new JsonArray(dependency.ToString());
            dependant = await TaskRequests.CreateAsync(http, body);
            waiting = await TaskRequests.GetAsync(http, dependant);
            victim = await cluster.SiloRunningAsync(dependant);

            await victim.KillAsync();
            killedAt = DateTimeOffset.UtcNow;
            await hold.ReleaseAsync();
        }

        var dependencyEnd = await TaskRequests.WaitForEndAsync(http, dependency, TimeSpan.FromMinutes(3));
        var victimDownAtTheEnd = victim.HasExited;
        var dependantEnd = await TaskRequests.WaitForEndAsync(http, dependant, TimeSpan.FromMinutes(3));
        var survivor = await cluster.SiloRunningAsync(dependant);

        Assert.Equal("waiting", waiting.GetProperty("status").GetString());
        Assert.Equal("completed", dependencyEnd.GetProperty("status").GetString());
        var dependencyFinishedAt = Time(dependencyEnd, "finished_at");
        Assert.True(dependencyFinishedAt > killedAt,
            $"the dependency finished at {dependencyFinishedAt:O}, before the dependant's silo was killed at {killedAt:O}: nothing was tested");
        Assert.True(victimDownAtTheEnd, "the dependant's silo came back before its dependency ended");
        Assert.Equal("completed", dependantEnd.GetProperty("status").GetString());
        Assert.True(Time(dependantEnd, "started_at") >= dependencyFinishedAt);
        Assert.NotSame(victim, survivor);
    }

    private static DateTimeOffset Time(JsonElement task, string field) =>
        DateTimeOffset.Parse(task.GetProperty(field).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}
