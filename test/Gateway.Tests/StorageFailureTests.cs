using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The task store failing inside a silo process, as a client-mode gateway process answers it. When
/// it is unavailable (the server refuses the product's role more connections, 53300, and ends its
/// sessions, 57P01, as an overloaded or restarting server does) the answer is 503 with
/// <c>Retry-After</c> until it is back; when it refuses for good (a missing table, 42P01) the answer
/// is the gateway's plain 500, for trying again would not help. Never a provider exception the
/// gateway cannot read.
/// </summary>
public sealed class StorageFailureTests(PostgresServer postgres)
{
    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task AssertStorageUnavailableAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal("Storage unavailable", problem.RootElement.GetProperty("title").GetString());
    }

    private static async Task AssertInternalErrorAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{what} answered {(int)response.StatusCode}: {body}");
        Assert.Null(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("An error occurred while processing your request.", problem.RootElement.GetProperty("title").GetString());
        foreach (var internals in new[] { "orleans_grain_state", "42P01", "Npgsql", "Postgres", "task store" })
        {
            Assert.DoesNotContain(internals, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>
    /// Cancels the task now that the store is back, trying again while the gateway answers 500 or 503:
    /// the failed write retired the task's activation and woke a new one, and a request that reaches an
    /// activation still reading from the store as it was fails with it. Within 30 s the cancel is accepted.
    /// </summary>
    private static async Task CancelOnceStoreIsBackAsync(HttpClient http, Guid taskId)
    {
        var answers = new List<string>();
        async Task<bool> AcceptedAsync()
        {
            using var retried = await http.PostAsync($"/api/tasks/{taskId}/cancel", null);
            answers.Add(((int)retried.StatusCode).ToString(CultureInfo.InvariantCulture));
            Assert.True(retried.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.InternalServerError or HttpStatusCode.ServiceUnavailable,
                $"cancelling once the store was back answered {(int)retried.StatusCode}: {await retried.Content.ReadAsStringAsync()}");
            return retried.StatusCode == HttpStatusCode.Accepted;
        }

        try
        {
            await Eventually.TrueAsync("the cancel to be accepted once the store was back", AcceptedAsync, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}; it answered {string.Join(", ", answers)}", timeout);
        }

        var cancelled = await TaskRequests.GetAsync(http, taskId);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
    }

    private static async Task<(HttpClient Http, Guid WaitingTask)> ClientWithWaitingTaskAsync(RunningCluster cluster)
    {
        var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var waiting = TaskRequests.Body(2);
        waiting["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        return (http, await TaskRequests.CreateAsync(http, waiting));
    }

    [Fact]
    public async Task An_unavailable_task_store_answers_503_with_Retry_After_until_it_is_back()
    {
        var database = await postgres.CreateDatabaseAsync(ordinaryRole: true);
        var role = new NpgsqlConnectionStringBuilder(database).Username!;
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1);
        var (http, waitingTask) = await ClientWithWaitingTaskAsync(cluster);
        using var _ = http;

        // No new connection for the product's role, and the storage and index sessions it holds ended.
        await postgres.ExecuteAsAdminAsync($"ALTER ROLE {role} CONNECTION LIMIT 0");
        await postgres.ExecuteAsAdminAsync(
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}' AND application_name IN ('OrleansTasks storage', 'OrleansTasks index')");
        using (var activation = await http.GetAsync($"/api/tasks/{Guid.NewGuid()}"))
        {
            await AssertStorageUnavailableAsync(activation, "reading a task whose state cannot be read as it activates");
        }

        using (var write = await http.PostAsync($"/api/tasks/{waitingTask}/cancel", null))
        {
            await AssertStorageUnavailableAsync(write, "cancelling an active task whose state write fails");
        }

        await postgres.ExecuteAsAdminAsync($"ALTER ROLE {role} CONNECTION LIMIT -1");
        await CancelOnceStoreIsBackAsync(http, waitingTask);

        using (var unknown = await http.GetAsync($"/api/tasks/{Guid.NewGuid()}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        var output = WithoutGatewayListRefreshes(cluster.Gateway.RecentOutput);
        Assert.DoesNotContain("CodecNotFoundException", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The gateway's log without Orleans' own "Error refreshing gateways." entries: its client reads the silo list
    /// from the membership table every 5 s, and a read during the outage fails in the role's refused connection and is
    /// logged with the provider's exception (once in the last full run). That is Orleans reporting its own read; what
    /// must not reach the gateway is provider text in the answers to the product's calls.
    /// </summary>
    private static string WithoutGatewayListRefreshes(string output)
    {
        var kept = new List<string>();
        var skipping = false;
        foreach (var line in output.Split('\n'))
        {
            if (line.Length > 5 && line[4] == ':' && !char.IsWhiteSpace(line[0]))
            {
                skipping = false;
            }

            if (line.Contains("Error refreshing gateways.", StringComparison.Ordinal))
            {
                skipping = true;
                if (kept.Count > 0 && kept[^1].StartsWith("warn: ", StringComparison.Ordinal))
                {
                    kept.RemoveAt(kept.Count - 1);
                }
            }

            if (!skipping)
            {
                kept.Add(line);
            }
        }

        return string.Join('\n', kept);
    }

    [Fact]
    public async Task A_task_store_that_refuses_for_good_answers_a_plain_500_without_Retry_After()
    {
        var database = await postgres.CreateDatabaseAsync(ordinaryRole: true);
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1);
        var (http, waitingTask) = await ClientWithWaitingTaskAsync(cluster);
        using var _ = http;

        await ExecuteAsync(database, "ALTER TABLE orleans_grain_state RENAME TO orleans_grain_state_away");
        using (var activation = await http.GetAsync($"/api/tasks/{Guid.NewGuid()}"))
        {
            await AssertInternalErrorAsync(activation, "reading a task whose state table is missing");
        }

        using (var write = await http.PostAsync($"/api/tasks/{waitingTask}/cancel", null))
        {
            await AssertInternalErrorAsync(write, "cancelling an active task whose state table is missing");
        }

        await ExecuteAsync(database, "ALTER TABLE orleans_grain_state_away RENAME TO orleans_grain_state");
        await CancelOnceStoreIsBackAsync(http, waitingTask);

        Assert.DoesNotContain("CodecNotFoundException", cluster.Gateway.RecentOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", cluster.Gateway.RecentOutput, StringComparison.Ordinal);
    }
}
