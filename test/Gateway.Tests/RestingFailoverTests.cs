using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// <c>Tasks:MaxRunningPerUser</c> across a <c>kill -9</c> of the silo of a task resting in a retry wait: the task keeps
/// its owner's place while it comes back on the other silo (not freed early: the owner's next task does not start
/// before it ends), and gives it up once it ends (not leaked: that next task then runs).
/// </summary>
public sealed class RestingFailoverTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Tasks:LeasePeriod"] = "00:00:05",
        ["Tasks:MaxRunningPerUser"] = "1",
    };

    [Fact]
    public async Task A_task_resting_when_its_silo_is_killed_keeps_its_owners_place_until_it_ends_and_then_gives_it_up()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, Settings);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var body = TaskRequests.Body(20);
        body["retry"] = new JsonObject { ["max_attempts"] = 5, ["initial_interval"] = "PT40S" };
        var collection = body["collection"]!.GetValue<string>();
        await DatabaseCommands.ExecuteAsync(database, RetryPolicyFailoverTests.RefuseSql(collection));

        var resting = await TaskRequests.CreateAsync(http, body);
        await Eventually.TrueAsync("the task to wait for its second attempt",
            async () => (await TaskRequests.GetAsync(http, resting)).GetProperty("attempt").GetInt32() == 2, TimeSpan.FromMinutes(1));
        var next = await TaskRequests.CreateAsync(http, TaskRequests.Body(20));
        await Eventually.TrueAsync("alice's next task to queue behind her resting one",
            async () => (await TaskRequests.GetAsync(http, next)).TryGetProperty("queue_position", out var position) && position.GetInt32() == 1,
            TimeSpan.FromMinutes(1));

        // The kill may come before the silo's rest report reaches the queue: a task holding a slot on a dead silo
        // keeps its owner's place the same way, so the outcome does not hang on that race.
        await (await cluster.SiloRunningAsync(resting)).KillAsync();
        await DatabaseCommands.ExecuteAsync(database, $"DROP TRIGGER refuse_{collection} ON documents");
        var restingEnd = await TaskRequests.WaitForEndAsync(http, resting, TimeSpan.FromMinutes(3));
        var nextEnd = await TaskRequests.WaitForEndAsync(http, next, TimeSpan.FromMinutes(2));

        Assert.Equal(("completed", "completed"), (restingEnd.GetProperty("status").GetString(), nextEnd.GetProperty("status").GetString()));
        var (restingFinished, nextStarted) = (Time(restingEnd, "finished_at"), Time(nextEnd, "started_at"));
        output.WriteLine($"the resting task ended at {restingFinished:O}; alice's next task started {(nextStarted - restingFinished).TotalSeconds:F1} s later");
        Assert.True(nextStarted >= restingFinished, $"alice's next task started at {nextStarted:O}, while her resting task held her one place (it ended at {restingFinished:O})");
    }

    private static DateTimeOffset Time(JsonElement task, string field) =>
        DateTimeOffset.Parse(task.GetProperty(field).GetString()!, CultureInfo.InvariantCulture);
}
