using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansTasks.Admission;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The upgrade from the build that stored the whole admission queue in one row: the first activation
/// of this build moves the waiting tasks onto pages, keeps their order and the slots held, and the
/// index row it leaves is small.
/// </summary>
public sealed class AdmissionQueueMigrationTests(PostgresServer postgres)
{
    private const int Waiting = 300;

    [Fact]
    public async Task A_queue_stored_in_one_row_is_moved_onto_pages_on_first_activation_and_keeps_its_order()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "m" + Guid.NewGuid().ToString("N")[..10];
        // A long lease: the first silo's queue must not tick and write while the row is replaced behind its back.
        var settings = new Dictionary<string, string?> { ["Tasks:MaxRunningPerSilo"] = "1", ["Tasks:LeasePeriod"] = "00:05:00" };
        var start = DateTimeOffset.UtcNow;
        var tickets = Enumerable.Range(0, Waiting)
            .Select(i => new AdmissionTicket(Guid.NewGuid(), $"user{i % 5}", i % 10 == 0 ? TaskPriority.High : TaskPriority.Normal, start.AddMilliseconds(i)))
            .ToList();
        var running = new AdmissionTicket(Guid.NewGuid(), "bob", TaskPriority.Low, start.AddSeconds(-1));
        var expected = tickets.Where(t => t.Priority == TaskPriority.High).Concat(tickets.Where(t => t.Priority == TaskPriority.Normal)).ToList();

        await using (var earlier = await PostgresSilo.StartAsync(database, cluster, settings))
        {
            // The silo's report is stored first: its queue has written all it will before the row is replaced.
            await AdmissionSlotReports.StoredAsync(earlier, earlier);

            // The row as the single-row build wrote it: every waiting task in it, and a slot held on a silo since gone.
            var storage = earlier.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks);
            var queueId = earlier.Client.GetGrain<IAdmissionQueueGrain>(0).GetGrainId();
            var row = new GrainState<AdmissionQueueState>();
            await storage.ReadStateAsync("admission", queueId, row);
            row.State = new AdmissionQueueState
            {
                Waiting = tickets.ToDictionary(t => t.TaskId, t => new AdmissionPlace { Ticket = t, Silo = "gone" }),
                Running = { [running.TaskId] = new AdmissionPlace { Ticket = running, Silo = "gone", Taken = true } },
                Slots = { ["gone"] = 1 },
            };
            await storage.WriteStateAsync("admission", queueId, row);
        }

        await using var upgraded = await PostgresSilo.StartAsync(database, cluster, settings);
        var queue = upgraded.Client.GetGrain<IAdmissionQueueGrain>(0);

        // The upgraded silo's report (its first exchange, after the migrating activation) is in before the test asks
        // from that silo: arriving after, it would say the silo holds no slot. It grants nothing: the waiting tasks
        // wait on the silo that is gone.
        await AdmissionSlotReports.StoredAsync(upgraded, upgraded);
        var positions = await Task.WhenAll(expected.Select(t => queue.Position(t.TaskId)));

        Assert.Equal(Enumerable.Range(1, Waiting).Select(i => (int?)i), positions);
        var pages = await DatabaseCommands.ScalarAsync(database, "SELECT count(*) FROM orleans_grain_state WHERE grain_type = 'admission-page'");
        var indexBytes = await DatabaseCommands.ScalarAsync(database, "SELECT octet_length(payload) FROM orleans_grain_state WHERE grain_type = 'admission'");
        Assert.Equal((Waiting + AdmissionPages.DefaultSize - 1) / AdmissionPages.DefaultSize, pages);
        Assert.InRange(indexBytes, 1, 1024);

        // The first in line asks from the upgraded silo and takes its slot; the slot held on the gone silo is freed.
        var address = AdmissionSlotReports.AddressOf(upgraded);
        Assert.Equal([expected[0] with { Processing = true }], await queue.Exchange(new AdmissionExchange(address, 1, [], [expected[0]], [])));
        Assert.Equal(1, await queue.Position(expected[1].TaskId));
    }
}
