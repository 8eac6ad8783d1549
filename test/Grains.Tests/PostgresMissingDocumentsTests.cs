using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTasks.Indexing;

namespace OrleansTasks.Grains.Tests;

/// <summary>The contract on cluster mode's PostgreSQL index, and what it stores for a pass: bounded statements, nothing left once forgotten.</summary>
public sealed class PostgresMissingDocumentsTests(PostgresSiloFixture fixture) : MissingDocumentsContract, IClassFixture<PostgresSiloFixture>
{
    protected override IDocumentIndex Index => fixture.Silo.Services.GetRequiredService<IDocumentIndex>();

    protected override void Require() => fixture.Require();

    [Fact]
    public async Task A_step_stores_its_cursor_and_count_with_its_deletions_and_forgetting_a_large_pass_leaves_no_row()
    {
        Require();
        var collection = NewCollection();
        var pass = Guid.NewGuid();
        await IndexAsync(collection, [.. Enumerable.Range(0, 10).Select(i => $"doc{i}")]);
        await Index.RecordSeenAsync(pass, [.. Enumerable.Range(0, 25_000).Select(i => $"doc{i}").Where(id => id != "doc3" && id != "doc7")], CancellationToken.None);

        var step = await Index.DeleteUnseenAsync(collection, pass, 5, CancellationToken.None);
        var stored = await RowAsync(pass);
        var rest = await RemoveToEndAsync(collection, pass, batchSize: 5);
        await Index.ForgetSeenAsync(pass, CancellationToken.None);

        Assert.Equal(new UnseenRemoval(1, Done: false), step);
        Assert.Equal(("doc4", 1L, false), stored);
        Assert.Equal(2, rest[^1].Deleted);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM task_seen_documents WHERE task_id = @task", pass));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM task_deletions WHERE task_id = @task", pass));
    }

    private async Task<(string After, long Deleted, bool Done)> RowAsync(Guid pass)
    {
        await using var command = fixture.Silo.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT after_id, deleted, done FROM task_deletions WHERE task_id = @task");
        command.Parameters.AddWithValue("task", pass);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetInt64(1), reader.GetBoolean(2));
    }

    private async Task<long> CountAsync(string sql, Guid pass)
    {
        await using var command = fixture.Silo.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(sql);
        command.Parameters.AddWithValue("task", pass);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
