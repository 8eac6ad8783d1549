using System.Collections.Immutable;
using System.Diagnostics;
using OrleansTasks.Admission;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The admission queue with a backlog of 10,000 waiting tasks on a real silo and PostgreSQL: it still
/// ranks them truly, an enqueue writes one page before its answer, a leave or a grant no page (the small
/// index names them within its flush interval, never the backlog), and the whole backlog comes back in
/// order after the silo restarts.
/// </summary>
public sealed class AdmissionQueueBacklogTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Backlog = 10_000;
    private const int PerExchange = 1_000;
    private const int HandOvers = 100;

    // A page of places and the index, with room to spare; the backlog stored is about a megabyte.
    private const long MostBytesPerWrite = 32 * 1024;

    [Fact]
    public async Task A_backlog_of_ten_thousand_waiting_tasks_keeps_its_ranking_and_each_write_stays_small()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "b" + Guid.NewGuid().ToString("N")[..10];
        var settings = new Dictionary<string, string?> { ["Tasks:MaxRunningPerSilo"] = "1" };
        var start = DateTimeOffset.UtcNow;
        var priorities = new[] { TaskPriority.Low, TaskPriority.Normal, TaskPriority.High };
        var tickets = Enumerable.Range(0, Backlog)
            .Select(i => new AdmissionTicket(Guid.NewGuid(), $"user{i % 7}", priorities[i % 3], start.AddMilliseconds(i)))
            .ToList();
        var newest = new AdmissionTicket(Guid.NewGuid(), "alice", TaskPriority.Low, start.AddHours(1));
        var sample = tickets.Where((_, i) => i % 500 == 1).Append(newest).ToList();
        List<int?> positions;
        await using (var silo = await PostgresSilo.StartAsync(database, cluster, settings))
        {
            var address = AdmissionSlotReports.AddressOf(silo);
            var queue = silo.Client.GetGrain<IAdmissionQueueGrain>(0);

            // The silo's own report (one slot, the queue still empty) is in before the test speaks for the silo.
            await AdmissionSlotReports.StoredAsync(silo, silo);

            // No free slot (the silo says it has none), so every ticket waits.
            foreach (var chunk in tickets.Chunk(PerExchange))
            {
                Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 0, [], [.. chunk], [])));
            }

            var enqueue = await MeasureAsync(database, () => queue.Exchange(new AdmissionExchange(address, 0, [], [newest], [])));
            var leave = await MeasureAsync(database, () => queue.Exchange(new AdmissionExchange(address, 0, [], [], [tickets[0].TaskId])));
            var grant = await MeasureAsync(database, () => queue.Exchange(new AdmissionExchange(address, 1, [], [], [])));

            Assert.Equal([tickets[2]], grant.Admitted);
            Assert.Equal(1, await queue.Position(tickets[5].TaskId));
            Assert.Equal(Backlog - 1, await queue.Position(newest.TaskId));
            Assert.Null(await queue.Position(tickets[0].TaskId));
            Assert.Null(await queue.Position(tickets[2].TaskId));
            // A task coming to wait writes its one page; one leaving the line, or granted a slot, no page: the index names
            // them within its flush interval, and stays small.
            Assert.Equal(1, enqueue.Pages);
            Assert.InRange(enqueue.Bytes, 1, MostBytesPerWrite);
            Assert.Equal((0L, 0L), (leave.Pages, grant.Pages));
            await AdmissionSlotReports.FlushedIndexAsync(silo,
                i => i.Ended.ContainsKey(tickets[0].TaskId) && i.Running.ContainsKey(tickets[2].TaskId), "the task that left named ended and the granted one holding");
            var indexBytes = await DatabaseCommands.ScalarAsync(database, "SELECT coalesce(sum(octet_length(payload)), 0) FROM orleans_grain_state WHERE grain_type = 'admission'");
            Assert.InRange(indexBytes, 1, MostBytesPerWrite);
            output.WriteLine($"{Backlog:N0} waiting: an enqueue wrote {enqueue}, a leave {leave}, a grant {grant}; the index is {indexBytes:N0} bytes");

            // A hundred hand-overs in a row (the holder ends, the head of the line takes its slot): the index is written at most
            // once a second, not once a hand-over, and pages only to clear the ended tasks' copies once more than a page's
            // worth would be named in the index (their tasks are on several pages, by priority).
            var holder = tickets[2];
            var indexBefore = await IndexVersionAsync(database);
            var burst = await MeasureAsync(database, async () =>
            {
                ImmutableArray<AdmissionTicket> admitted = [];
                for (var i = 0; i < HandOvers; i++)
                {
                    admitted = await queue.Exchange(new AdmissionExchange(address, 1, [], [], [holder.TaskId]));
                    holder = Assert.Single(admitted);
                }

                return admitted;
            });
            var indexWrites = await IndexVersionAsync(database) - indexBefore;
            Assert.InRange(burst.Pages, 0, HandOvers / 10);
            Assert.InRange(indexWrites, 0, (long)burst.Elapsed.TotalSeconds + 2);
            output.WriteLine($"{HandOvers} hand-overs in {burst.Elapsed.TotalMilliseconds:F0} ms wrote {burst.Pages} pages and the index {indexWrites} times");
            positions = [.. await Task.WhenAll(sample.Select(t => queue.Position(t.TaskId)))];
        }

        var clock = Stopwatch.StartNew();
        await using var restarted = await PostgresSilo.StartAsync(database, cluster, settings);
        var again = restarted.Client.GetGrain<IAdmissionQueueGrain>(0);

        // The restarted silo reports its free slot before the positions are read. It grants nothing: every waiting
        // task waits on the silo that is gone (the grant stops at the first of those), and with no per-user limit the
        // slot held there does not change the ranking.
        await AdmissionSlotReports.StoredAsync(restarted, restarted);
        Assert.Equal(positions, await Task.WhenAll(sample.Select(t => again.Position(t.TaskId))));
        output.WriteLine($"after a restart, the silo started and the queue read its {Backlog:N0} waiting tasks in {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    private static Task<long> IndexVersionAsync(string database) =>
        DatabaseCommands.ScalarAsync(database, "SELECT coalesce(max(version), 0) FROM orleans_grain_state WHERE grain_type = 'admission'");

    /// <summary>Runs one exchange; returns the queue's page rows it wrote and their size (the index, written by a timer too, apart).</summary>
    private static async Task<Written> MeasureAsync(string database, Func<Task<ImmutableArray<AdmissionTicket>>> exchange)
    {
        await DatabaseCommands.ExecuteAsync(database, """
            DROP TABLE IF EXISTS state_before;
            CREATE TABLE state_before AS
                SELECT grain_type, grain_id_n0, grain_id_n1, coalesce(grain_id_extension, '') AS extension, version FROM orleans_grain_state;
            """);
        var clock = Stopwatch.StartNew();
        var admitted = await exchange();
        var elapsed = clock.Elapsed;
        const string Changed = """
            FROM orleans_grain_state s LEFT JOIN state_before b
              ON (b.grain_type, b.grain_id_n0, b.grain_id_n1, b.extension) = (s.grain_type, s.grain_id_n0, s.grain_id_n1, coalesce(s.grain_id_extension, ''))
            WHERE b.version IS DISTINCT FROM s.version AND s.grain_type = 'admission-page'
            """;
        var bytes = await DatabaseCommands.ScalarAsync(database, $"SELECT coalesce(sum(octet_length(s.payload)), 0) {Changed}");
        var rows = await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) {Changed}");
        return new(admitted, rows, bytes, elapsed);
    }

    private sealed record Written(ImmutableArray<AdmissionTicket> Admitted, long Pages, long Bytes, TimeSpan Elapsed)
    {
        public override string ToString() => $"{Pages} pages, {Bytes:N0} bytes in {Elapsed.TotalMilliseconds:F0} ms";
    }
}
