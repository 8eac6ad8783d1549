using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansTasks.Admission;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// What the admission queue's activation writes, on a real silo and PostgreSQL: a stale activation
/// (another one saved since it read) is refused, a task coming to wait writes only its page and a
/// grant only the index, and a task that ended never waits again from a page still listing it.
/// </summary>
public sealed class AdmissionQueueStorageTests(PostgresServer postgres)
{
    // A long lease: the queue's reminder must not tick and write while a test writes its rows behind its back.
    private static readonly Dictionary<string, string?> Settings = new() { ["Tasks:MaxRunningPerSilo"] = "1", ["Tasks:LeasePeriod"] = "00:05:00" };

    private static AdmissionTicket Ticket(string owner) => new(Guid.NewGuid(), owner, TaskPriority.Normal, DateTimeOffset.UtcNow);

    [Fact]
    public async Task An_activation_that_another_outsaved_is_refused_at_the_first_row_the_other_wrote_and_the_next_one_takes_over()
    {
        await using var started = await StartAsync();
        var (database, silo, address, queue) = started;
        var earlier = Ticket("bob");
        Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 0, [], [earlier], [])));

        // Another activation of the queue saves behind this one's back: its index, and the page with a task of its own.
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks);
        var row = new GrainState<AdmissionQueueState>();
        await storage.ReadStateAsync("admission", queue.GetGrainId(), row);
        Assert.NotNull(row.State);
        var save = ++row.State.Saves;
        await storage.WriteStateAsync("admission", queue.GetGrainId(), row);
        var pages = new AdmissionPageStore(storage);
        var page = await pages.ReadAsync(0);
        var theirs = Ticket("carol");
        page.Places.Add(new AdmissionPlace { Ticket = theirs, Silo = address });
        page.Save = save;
        await pages.WriteAsync(0, page);

        // This one's enqueue writes only that page, and is refused there: the other's task is kept.
        var first = Ticket("alice");
        await Assert.ThrowsAnyAsync<Exception>(() => queue.Exchange(new AdmissionExchange(address, 0, [], [first], [])));
        Assert.Equal([earlier.TaskId, theirs.TaskId], (await new AdmissionPageStore(storage).ReadAsync(0)).Places.Select(p => p.TaskId));

        // The next activation reads what storage holds and queues the task after both.
        await Eventually.TrueAsync(
            "a new activation of the admission queue to queue the task",
            async () =>
            {
                try
                {
                    await queue.Exchange(new AdmissionExchange(address, 0, [], [first], []));
                    return await queue.Position(first.TaskId) == 3;
                }
                catch (InconsistentStateException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30));
        Assert.Equal(1, await PagesAsync(database));
        Assert.Equal(1, await queue.Position(earlier.TaskId));
        Assert.Equal(2, await queue.Position(theirs.TaskId));
    }

    [Fact]
    public async Task A_task_coming_to_wait_writes_its_page_before_the_answer_and_a_grant_only_the_index_within_the_flush_interval()
    {
        await using var started = await StartAsync();
        var (database, silo, address, queue) = started;
        var holder = Ticket("alice");
        Assert.Single(await queue.Exchange(new AdmissionExchange(address, 1, [], [holder], [])));
        var (waiting, next) = (Ticket("bob"), Ticket("bob"));
        Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 1, [holder], [waiting], [])));

        var page = await VersionAsync<AdmissionPage>(silo, "admission-page", PageId(0));
        Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 1, [holder], [next], [])));
        Assert.NotEqual(page, await VersionAsync<AdmissionPage>(silo, "admission-page", PageId(0)));

        // The holder ends: the head of the line is granted its slot; no page is written for it, and the index names it
        // within the flush interval.
        page = await VersionAsync<AdmissionPage>(silo, "admission-page", PageId(0));
        Assert.Equal([waiting with { Processing = true }], await queue.Exchange(new AdmissionExchange(address, 1, [], [waiting], [holder.TaskId])));
        var index = await AdmissionSlotReports.FlushedIndexAsync(silo, i => i.Running.ContainsKey(waiting.TaskId) && !i.Running.ContainsKey(holder.TaskId),
            "the granted task holding the slot the ended one held");
        Assert.True(index.Behind);
        Assert.Equal(page, await VersionAsync<AdmissionPage>(silo, "admission-page", PageId(0)));
        Assert.Equal(1, await queue.Position(next.TaskId));
    }

    [Fact]
    public async Task A_task_that_ends_while_a_page_still_lists_it_never_waits_again_after_a_restart()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "s" + Guid.NewGuid().ToString("N")[..10];
        var (holder, granted, waiting) = (Ticket("alice"), Ticket("bob"), Ticket("carol"));
        await using (var silo = await PostgresSilo.StartAsync(database, cluster, Settings))
        {
            await AdmissionSlotReports.StoredAsync(silo, silo);
            var address = AdmissionSlotReports.AddressOf(silo);
            var queue = silo.Client.GetGrain<IAdmissionQueueGrain>(0);
            Assert.Single(await queue.Exchange(new AdmissionExchange(address, 1, [], [holder], [])));
            Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 1, [holder], [granted, waiting], [])));

            // The holder ends and the next task is granted its slot: its page still lists it as waiting.
            Assert.Equal([granted with { Processing = true }], await queue.Exchange(new AdmissionExchange(address, 1, [], [granted], [holder.TaskId])));

            // It ends too, as the silo says it has no slot free (the waiting task stays on the page); its page is not
            // written for it, and the index names it ended (within the flush interval).
            Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 0, [], [], [granted.TaskId])));
            var stored = await AdmissionSlotReports.FlushedIndexAsync(silo, i => i.Ended.ContainsKey(granted.TaskId), "the granted task named ended");
            Assert.DoesNotContain(granted.TaskId, stored.Running.Keys);
            var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks);
            Assert.Equal([granted.TaskId, waiting.TaskId], (await new AdmissionPageStore(storage).ReadAsync(0)).Places.Select(p => p.TaskId));
        }

        // The silo stopped: the queue's deactivation wrote its index whole, not behind its grants.
        await using var restarted = await PostgresSilo.StartAsync(database, cluster, Settings);
        Assert.False((await IndexAsync(restarted)).Behind);
        var reloaded = restarted.Client.GetGrain<IAdmissionQueueGrain>(0);
        Assert.Null(await reloaded.Position(granted.TaskId));
        Assert.Equal(1, await reloaded.Position(waiting.TaskId));

        // The activation rewrote every page: the ended task is gone from its row too.
        var rows = new AdmissionPageStore(restarted.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks));
        Assert.Equal([waiting.TaskId], (await rows.ReadAsync(0)).Places.Select(p => p.TaskId));
    }

    [Fact]
    public async Task A_drained_backlog_leaves_no_pages_in_the_index_or_in_storage()
    {
        await using var started = await StartAsync();
        var (database, silo, address, queue) = started;
        var holder = Ticket("alice");
        Assert.Equal([holder with { Processing = true }], await queue.Exchange(new AdmissionExchange(address, 1, [], [holder], [])));

        // Five pages of waiting tasks behind the one slot, then all of them gone but one on the first page.
        var waiting = Enumerable.Range(0, 4 * AdmissionPages.DefaultSize + 1).Select(_ => Ticket("bob")).ToList();
        Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 1, [holder], [.. waiting], [])));
        Assert.Equal(5, (await IndexAsync(silo)).Pages);
        Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 1, [holder], [], [.. waiting.Skip(1).Select(t => t.TaskId)])));

        var index = await IndexAsync(silo);
        Assert.Equal((1, 1), (index.Pages, index.ShrunkTo));
        Assert.Equal(1, await StoredPagesAsync(database));
        Assert.Equal(1, await queue.Position(waiting[0].TaskId));

        // Drained: no page left; a new task opens page 0 again.
        Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 1, [holder], [], [waiting[0].TaskId])));
        Assert.Equal((0, 0L), ((await IndexAsync(silo)).Pages, await StoredPagesAsync(database)));
        var late = Ticket("carol");
        Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 1, [holder], [late], [])));
        Assert.Equal(1, await queue.Position(late.TaskId));
        Assert.Equal(1, (await IndexAsync(silo)).Pages);
    }

    /// <summary>A silo on a database of its own, its queue's index already holding its own report: it writes nothing after.</summary>
    private async Task<StartedQueue> StartAsync()
    {
        var database = await postgres.CreateDatabaseAsync();
        var silo = await PostgresSilo.StartAsync(database, "s" + Guid.NewGuid().ToString("N")[..10], Settings);
        await AdmissionSlotReports.StoredAsync(silo, silo);
        return new(database, silo, AdmissionSlotReports.AddressOf(silo), silo.Client.GetGrain<IAdmissionQueueGrain>(0));
    }

    private sealed record StartedQueue(string Database, PostgresSilo Silo, string Address, IAdmissionQueueGrain Queue) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Silo.DisposeAsync();
    }

    private static Task<AdmissionQueueState> IndexAsync(PostgresSilo silo) => AdmissionSlotReports.StoredIndexAsync(silo);

    private static GrainId PageId(int page) => GrainId.Create("admission-queue-page", page.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The version of a row as storage holds it: it changes with every write.</summary>
    private static async Task<string?> VersionAsync<T>(PostgresSilo silo, string stateName, GrainId id)
    {
        var row = new GrainState<T>();
        await silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks).ReadStateAsync(stateName, id, row);
        return row.ETag;
    }

    // Rows of pages that hold content: a cleared row keeps no payload.
    private static Task<long> StoredPagesAsync(string database) =>
        DatabaseCommands.ScalarAsync(database, "SELECT count(*) FROM orleans_grain_state WHERE grain_type = 'admission-page' AND payload IS NOT NULL");

    private static Task<long> PagesAsync(string database) =>
        DatabaseCommands.ScalarAsync(database, "SELECT count(*) FROM orleans_grain_state WHERE grain_type = 'admission-page'");
}
