using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansTasks.Admission;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// What the admission queue's activation writes, on a real silo and PostgreSQL: a stale activation
/// (another one saved since it read) writes no page, and pages an activation finds out of date are
/// corrected as it activates, not left for a later save.
/// </summary>
public sealed class AdmissionQueueStorageTests(PostgresServer postgres)
{
    // A long lease: the queue's reminder must not tick and write while a test writes its rows behind its back.
    private static readonly Dictionary<string, string?> Settings = new() { ["Tasks:MaxRunningPerSilo"] = "1", ["Tasks:LeasePeriod"] = "00:05:00" };

    private static AdmissionTicket Ticket(string owner) => new(Guid.NewGuid(), owner, TaskPriority.Normal, DateTimeOffset.UtcNow);

    [Fact]
    public async Task An_activation_that_another_outsaved_writes_no_page_and_the_next_one_takes_over()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, "s" + Guid.NewGuid().ToString("N")[..10], Settings);
        var address = AdmissionSlotReports.AddressOf(silo);
        var queue = silo.Client.GetGrain<IAdmissionQueueGrain>(0);

        // The silo's own report is stored before the test speaks for the silo: it writes nothing after.
        await AdmissionSlotReports.StoredAsync(silo, silo);
        var earlier = Ticket("bob");
        Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 0, [], [earlier], [])));

        // Another activation of the queue saves behind this one's back.
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks);
        var row = new GrainState<AdmissionQueueState>();
        await storage.ReadStateAsync("admission", queue.GetGrainId(), row);
        Assert.NotNull(row.State);
        row.State.Saves++;
        await storage.WriteStateAsync("admission", queue.GetGrainId(), row);

        // This one's enqueue only changes a page it already has, yet it is refused before that page is written.
        var first = Ticket("alice");
        await Assert.ThrowsAnyAsync<Exception>(() => queue.Exchange(new AdmissionExchange(address, 0, [], [first], [])));
        Assert.Equal([earlier.TaskId], (await new AdmissionPageStore(storage).ReadAsync(0)).Places.Select(p => p.TaskId));

        // The next activation reads what storage holds and queues the task.
        await Eventually.TrueAsync(
            "a new activation of the admission queue to queue the task",
            async () =>
            {
                try
                {
                    await queue.Exchange(new AdmissionExchange(address, 0, [], [first], []));
                    return await queue.Position(first.TaskId) == 2;
                }
                catch (InconsistentStateException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30));
        Assert.Equal(1, await PagesAsync(database));
        Assert.Equal(1, await queue.Position(earlier.TaskId));
    }

    [Fact]
    public async Task A_page_still_listing_a_task_that_holds_a_slot_is_corrected_as_the_queue_activates()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "s" + Guid.NewGuid().ToString("N")[..10];
        var (granted, waiting) = (Ticket("alice"), Ticket("bob"));
        await using (var earlier = await PostgresSilo.StartAsync(database, cluster, Settings))
        {
            // The silo's report is stored first: its queue has written all it will before the rows are replaced.
            await AdmissionSlotReports.StoredAsync(earlier, earlier);

            // What a save that stopped half way left: the grant is in the index, the page still lists the task as waiting.
            var storage = earlier.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks);
            var queueId = earlier.Client.GetGrain<IAdmissionQueueGrain>(0).GetGrainId();
            var index = new GrainState<AdmissionQueueState>();
            await storage.ReadStateAsync("admission", queueId, index);
            index.State = new AdmissionQueueState
            {
                Running = { [granted.TaskId] = new AdmissionPlace { Ticket = granted, Silo = "gone", Taken = true } },
                Pages = 1,
                Saves = 1,
            };
            await storage.WriteStateAsync("admission", queueId, index);
            var places = new[] { granted, waiting }.Select(t => new AdmissionPlace { Ticket = t, Silo = "gone" });
            await new AdmissionPageStore(storage).WriteAsync(0, new AdmissionPage { Places = [.. places], Save = 1 });
        }

        await using var restarted = await PostgresSilo.StartAsync(database, cluster, Settings);
        var queue = restarted.Client.GetGrain<IAdmissionQueueGrain>(0);
        Assert.Equal(1, await queue.Position(waiting.TaskId));

        var page = await new AdmissionPageStore(restarted.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks)).ReadAsync(0);
        Assert.Equal([waiting.TaskId], page.Places.Select(p => p.TaskId));
    }

    [Fact]
    public async Task A_drained_backlog_leaves_no_pages_in_the_index_or_in_storage()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, "s" + Guid.NewGuid().ToString("N")[..10], Settings);
        var address = AdmissionSlotReports.AddressOf(silo);
        var queue = silo.Client.GetGrain<IAdmissionQueueGrain>(0);

        // The silo's own report is stored before the test speaks for the silo: it writes nothing after.
        await AdmissionSlotReports.StoredAsync(silo, silo);
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

    private static Task<AdmissionQueueState> IndexAsync(PostgresSilo silo) => AdmissionSlotReports.StoredIndexAsync(silo);

    // Rows of pages that hold content: a cleared row keeps no payload.
    private static Task<long> StoredPagesAsync(string database) =>
        DatabaseCommands.ScalarAsync(database, "SELECT count(*) FROM orleans_grain_state WHERE grain_type = 'admission-page' AND payload IS NOT NULL");

    private static Task<long> PagesAsync(string database) =>
        DatabaseCommands.ScalarAsync(database, "SELECT count(*) FROM orleans_grain_state WHERE grain_type = 'admission-page'");
}
