using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A streaming source task of 100,000 JSON lines (a file under the source roots, or an upload) on real
/// processes: killed with its silo midway, it resumes on the other silo at its position, and every
/// document is written once and reported once.
/// </summary>
public sealed partial class SourceFailoverTests(PostgresServer postgres) : IDisposable
{
    /// <summary>Lines of the source: some 10 s of work, where 20,000 of 60 words took 2.5 s and raced the kill.</summary>
    private const int Documents = 100_000;
    private readonly string _root = Directory.CreateTempSubdirectory("orleans-tasks-corpus-").FullName;

    [Fact]
    public Task Killing_the_silo_reading_a_json_lines_source_resumes_at_its_position_and_writes_every_document_once() =>
        KillMidwayAsync(_ => Task.FromResult(new JsonObject { ["directory"] = _root, ["pattern"] = "*.jsonl" }));

    /// <summary>The same over an upload: written by the client gateway through its uploads pool, read by both silos from PostgreSQL.</summary>
    [Fact]
    public Task Killing_the_silo_reading_an_upload_resumes_at_its_position_and_writes_every_document_once() =>
        KillMidwayAsync(async http => new JsonObject
        {
            ["upload"] = (await UploadRequests.UploadAsync(http, await File.ReadAllBytesAsync(Path.Combine(_root, "corpus.jsonl")))).ToString(),
        });

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Starts a task over the source <paramref name="source"/> names, kills its silo midway, and checks that it resumed and wrote every document once.</summary>
    private async Task KillMidwayAsync(Func<HttpClient, Task<JsonObject>> source)
    {
        JsonLinesCorpus.Write(Path.Combine(_root, "corpus.jsonl"), Documents, words: 10);
        var database = await postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Tasks:LeasePeriod"] = "00:00:05", ["Tasks:CheckpointInterval"] = "00:00:00.200", ["Tasks:SourceRoots:0"] = _root };
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, settings, settings);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress, Timeout = TimeSpan.FromMinutes(1) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);

        // Connected before the task exists: SiloRunningAsync connects on first use, which took seconds of the task's run.
        await cluster.ClientAsync();
        var taskId = await TaskRequests.CreateAsync(http, new JsonObject
        {
            ["collection"] = "corpus",
            ["source"] = await source(http),
        });
        await using var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}"));
        var victim = await cluster.SiloRunningAsync(taskId);
        var counted = await WaitForAsync(socket, m => m.GetProperty("total").GetInt32() > 0);
        var before = await WaitForAsync(socket, m => m.GetProperty("current").GetInt32() >= 3000);

        await victim.KillAsync();
        var rest = await socket.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(3));
        var survivor = cluster.Silos.Single(silo => silo != victim);
        var resumedAt = ResumedAt(survivor, taskId);

        Assert.Equal(Documents, counted.GetProperty("total").GetInt32());
        MessageAssert.IsComplete(rest[^1], taskId);
        Assert.Single(socket.Messages, m => MessageAssert.Type(m) is "complete" or "error" or "cancelled");
        MessageAssert.AreOrdered(socket.Messages);
        Assert.Equal(Documents, rest[^1].GetProperty("result").GetProperty("success").GetInt32());
        Assert.True(resumedAt > 0 && resumedAt < Documents, $"resumed at {resumedAt}, after progress {before.GetProperty("current").GetInt32()} was seen");
        Assert.Equal(Enumerable.Range(0, Documents).Select(JsonLinesCorpus.Id), await ResultIdsAsync(http, taskId));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*), max(write_count) FROM documents WHERE collection = 'corpus'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(Documents, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt32(1));
    }

    [GeneratedRegex(@"resumed at (\d+)/")]
    private static partial Regex ResumedPattern();

    /// <summary>Where the silo that took the task over says it resumed it.</summary>
    private static int ResumedAt(ProcessHost silo, Guid taskId)
    {
        var line = silo.Output.LastOrDefault(l => l.Contains($"Task {taskId} resumed at ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"The surviving silo never logged that it resumed task {taskId}: the task had ended before its silo was killed, and nothing was tested:\n{silo.RecentOutput}");
        return int.Parse(ResumedPattern().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> ResultIdsAsync(HttpClient http, Guid taskId)
    {
        var ids = new List<string>();
        int? offset = 0;
        while (offset is { } next)
        {
            using var page = JsonDocument.Parse(await http.GetStringAsync($"/api/tasks/{taskId}/result?offset={next}&limit=1000"));
            ids.AddRange(page.RootElement.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()!));
            offset = page.RootElement.TryGetProperty("next_offset", out var more) && more.ValueKind == JsonValueKind.Number ? more.GetInt32() : null;
        }

        return ids;
    }

    private static async Task<JsonElement> WaitForAsync(SocketClient socket, Func<JsonElement, bool> wanted)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (await socket.ReceiveAsync(deadline - DateTime.UtcNow) is { } message)
        {
            if (MessageAssert.Type(message) == "progress" && wanted(message))
            {
                return message;
            }
        }

        throw new InvalidOperationException("The socket closed before the awaited progress message.");
    }
}
