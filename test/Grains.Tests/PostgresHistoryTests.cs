using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.History;

namespace OrleansTasks.Grains.Tests;

public sealed class PostgresHistoryTests(PostgresSiloFixture fixture) : IClassFixture<PostgresSiloFixture>
{
    [Fact]
    public async Task History_in_postgres_lists_newest_first_pages_by_cursor_and_follows_the_tasks()
    {
        fixture.Require();
        Assert.IsType<PostgresTaskHistory>(fixture.Silo.Services.GetRequiredService<ITaskHistory>());
        var owner = "pg-history-" + Guid.NewGuid().ToString("N")[..8];
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var taskId = Guid.NewGuid();
            await using var watcher = await TaskWatcher.StartAsync(fixture.Silo.Client, taskId);
            await fixture.Silo.Client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask(owner, "history", Documents.Generate(3)));
            await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(1));
            created.Add(taskId);
        }

        var history = fixture.Silo.Client.GetGrain<ITaskHistoryGrain>(0);
        var first = await history.List(new HistoryQuery(owner, Limit: 3));
        var second = await history.List(new HistoryQuery(owner, Limit: 3, Cursor: first.NextCursor));
        var completed = await history.List(new HistoryQuery(owner, Status: IndexTaskStatus.Completed));
        var others = await history.List(new HistoryQuery("nobody-" + owner));

        Assert.Equal(Enumerable.Reverse(created), first.Items.Concat(second.Items).Select(t => t.TaskId));
        Assert.NotNull(first.NextCursor);
        Assert.Null(second.NextCursor);
        Assert.Equal(5, completed.Items.Length);
        Assert.All(completed.Items, t => Assert.Equal(100, t.Progress));
        Assert.Empty(others.Items);
        await Assert.ThrowsAsync<InvalidListRequestException>(() => history.List(new HistoryQuery(owner, Cursor: "bogus")));

        var purged = await fixture.Silo.Client.GetGrain<IRetentionGrain>(0).PurgeEndedBefore(DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(purged >= 5);
        Assert.Empty((await history.List(new HistoryQuery(owner))).Items);
        Assert.Null(await fixture.Silo.Client.GetGrain<IIndexTaskGrain>(created[0]).GetSnapshot());
    }
}
