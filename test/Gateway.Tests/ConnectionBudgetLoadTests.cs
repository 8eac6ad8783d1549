using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Many small tasks against a server that allows only 40 connections: 500 tasks of 10 documents
/// from 50 concurrent clients over REST, one silo process and one client gateway process whose
/// budgets (24 + 4) fit. Every request is answered 202 or 429 (then retried after Retry-After),
/// none 5xx; every task completes once and writes each of its documents once; the product's
/// connections never exceed its budget. The product connects as an ordinary role, which may not
/// use the server's superuser reserve.
/// </summary>
[Collection(LoadCollection.Name)]
public sealed class ConnectionBudgetLoadTests
{
    private const int Tasks = 500;
    private const int Clients = 50;
    private const int DocumentsPerTask = 10;
    private const int SiloBudget = 24;
    private const int GatewayBudget = 4;

    [Fact]
    public async Task Many_small_tasks_within_a_small_server_get_no_5xx_and_all_complete_once()
    {
        await using var postgres = new PostgresServer { MaxConnections = 40 };
        await postgres.InitializeAsync();
        postgres.Require();
        // As deployed: an ordinary role, held to max_connections without the superuser reserve.
        var database = await postgres.CreateDatabaseAsync(ordinaryRole: true);
        Assert.False(await IsSuperuserAsync(database), "the product must connect as an ordinary role");
        NpgsqlConnection.ClearAllPools();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1,
            new Dictionary<string, string?> { ["Database:MaxConnections"] = SiloBudget.ToString(CultureInfo.InvariantCulture) },
            new Dictionary<string, string?> { ["Database:MaxConnections"] = GatewayBudget.ToString(CultureInfo.InvariantCulture) });
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var tally = new RequestTally(http);
        await using var connections = ConnectionSampler.Start(postgres.AdminConnectionString);

        var clock = Stopwatch.StartNew();
        var tasks = await Deadline.RunAsync(cancelled => SubmitAsync(tally, cancelled), TimeSpan.FromSeconds(90), $"{Tasks} tasks to be accepted");
        var accepted = clock.Elapsed;
        var ends = await Deadline.RunAsync(
            async cancelled => await Task.WhenAll(tasks.Chunk(Tasks / Clients).Select(chunk => WaitForEndsAsync(tally, chunk, cancelled))),
            TimeSpan.FromSeconds(90),
            $"{Tasks} tasks to end");
        var finished = clock.Elapsed;
        var peak = await connections.StopAsync();
        var documents = await CountDocumentsAsync(database);

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Tasks} tasks accepted in {accepted.TotalSeconds:F1} s, all ended in {finished.TotalSeconds:F1} s ({Tasks / finished.TotalSeconds:F1} tasks/s); " +
            $"{tally.Total} requests: {string.Join(", ", tally.Answers.OrderBy(a => a.Key).Select(a => $"{a.Value}× {a.Key}"))}; " +
            $"peak connections {peak.Product} of the product's {SiloBudget + GatewayBudget}, {peak.Server} on the server of 40"));
        Assert.Empty(tally.Violations);
        Assert.Equal(0, tally.Answers.Where(a => a.Key >= 500).Sum(a => a.Value));
        Assert.Equal(Tasks, tally.Count(HttpStatusCode.Accepted));
        Assert.Equal(Tasks, tasks.Distinct().Count());
        Assert.All(ends.SelectMany(end => end), end => Assert.Equal("completed", end));
        Assert.Equal((Tasks * DocumentsPerTask, Tasks * DocumentsPerTask, 1), documents);
        Assert.InRange(peak.Product, 1, SiloBudget + GatewayBudget);
    }

    private static async Task<Guid[]> SubmitAsync(RequestTally tally, CancellationToken cancelled)
    {
        var perClient = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            var created = new List<Guid>();
            for (var i = 0; i < Tasks / Clients; i++)
            {
                using var response = await tally.PostAsync("/api/tasks", TaskRequests.Body(DocumentsPerTask, words: 150), cancelled);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancelled));
                    created.Add(json.RootElement.GetProperty("task_id").GetGuid());
                }
            }

            return created;
        }));
        return [.. perClient.SelectMany(created => created)];
    }

    private static async Task<string[]> WaitForEndsAsync(RequestTally tally, Guid[] tasks, CancellationToken cancelled)
    {
        var ends = new List<string>();
        foreach (var task in tasks)
        {
            while (true)
            {
                using var response = await tally.GetAsync($"/api/tasks/{task}", cancelled);
                response.EnsureSuccessStatusCode();
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancelled));
                if (json.RootElement.GetProperty("status").GetString() is ("completed" or "failed" or "cancelled") and var end)
                {
                    ends.Add(end);
                    break;
                }

                await Task.Delay(100, cancelled);
            }
        }

        return [.. ends];
    }

    private static async Task<bool> IsSuperuserAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Documents stored, the sum of their write counts, and the largest write count.</summary>
    private static async Task<(long Rows, long Writes, int MostWrites)> CountDocumentsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*), coalesce(sum(write_count), 0), coalesce(max(write_count), 0) FROM documents", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2));
    }
}

/// <summary>Load-sensitive: runs alone, not beside other collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadCollection
{
    public const string Name = "load";
}
