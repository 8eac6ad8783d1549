using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The task store failing inside a silo process reaches a client-mode gateway process as 503 with
/// <c>Retry-After</c> and a problem body, never a 500: a grain whose state cannot be read as it
/// activates, and a grain whose state write fails in a call. Renaming the grain state table makes
/// every storage call fail with a PostgreSQL error, as a lost or overloaded database would.
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

    [Fact]
    public async Task Storage_failing_in_a_silo_answers_503_with_Retry_After_until_it_is_back()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var waiting = TaskRequests.Body(2);
        waiting["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        var waitingTask = await TaskRequests.CreateAsync(http, waiting);

        await ExecuteAsync(database, "ALTER TABLE orleans_grain_state RENAME TO orleans_grain_state_away");
        using (var activation = await http.GetAsync($"/api/tasks/{Guid.NewGuid()}"))
        {
            await AssertStorageUnavailableAsync(activation, "reading a task whose state cannot be read as it activates");
        }

        using (var write = await http.PostAsync($"/api/tasks/{waitingTask}/cancel", null))
        {
            await AssertStorageUnavailableAsync(write, "cancelling an active task whose state write fails");
        }

        await ExecuteAsync(database, "ALTER TABLE orleans_grain_state_away RENAME TO orleans_grain_state");
        using (var retried = await http.PostAsync($"/api/tasks/{waitingTask}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        }

        using (var unknown = await http.GetAsync($"/api/tasks/{Guid.NewGuid()}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        Assert.DoesNotContain("CodecNotFoundException", cluster.Gateway.RecentOutput, StringComparison.Ordinal);
    }
}
