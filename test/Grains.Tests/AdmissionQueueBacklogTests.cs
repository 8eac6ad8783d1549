using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Admission;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The admission queue with a backlog of 10,000 waiting tasks on a real silo and PostgreSQL: it still
/// ranks them truly, and what each enqueue and each dequeue writes to storage is measured (the queue is
/// one stored row today, so each write carries the whole backlog).
/// </summary>
public sealed class AdmissionQueueBacklogTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Backlog = 10_000;
    private const int PerExchange = 1_000;

    [Fact]
    public async Task A_backlog_of_ten_thousand_waiting_tasks_keeps_its_ranking_and_each_write_is_measured()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, "b" + Guid.NewGuid().ToString("N")[..10], new Dictionary<string, string?> { ["Tasks:MaxRunningPerSilo"] = "1" });
        var address = silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();
        var queue = silo.Client.GetGrain<IAdmissionQueueGrain>(0);
        var start = DateTimeOffset.UtcNow;
        var priorities = new[] { TaskPriority.Low, TaskPriority.Normal, TaskPriority.High };
        var tickets = Enumerable.Range(0, Backlog)
            .Select(i => new AdmissionTicket(Guid.NewGuid(), $"user{i % 7}", priorities[i % 3], start.AddMilliseconds(i)))
            .ToList();

        // No free slot (the silo says it has none), so every ticket waits.
        foreach (var chunk in tickets.Chunk(PerExchange))
        {
            Assert.Empty(await queue.Exchange(new AdmissionExchange(address, 0, [], [.. chunk], [])));
        }

        var newest = new AdmissionTicket(Guid.NewGuid(), "alice", TaskPriority.Low, start.AddHours(1));
        var enqueue = await MeasureAsync(database, () => queue.Exchange(new AdmissionExchange(address, 0, [], [newest], [])));
        var dequeue = await MeasureAsync(database, () => queue.Exchange(new AdmissionExchange(address, 0, [], [], [tickets[0].TaskId])));

        Assert.Equal(1, await queue.Position(tickets[2].TaskId));
        Assert.Equal(Backlog, await queue.Position(newest.TaskId));
        Assert.Null(await queue.Position(tickets[0].TaskId));
        Assert.True(enqueue.Bytes > Backlog && dequeue.Bytes > Backlog, $"the stored queue holds every waiting task: {enqueue.Bytes} and {dequeue.Bytes} bytes");
        output.WriteLine($"{Backlog:N0} waiting: an enqueue wrote {enqueue.Bytes:N0} bytes in {enqueue.Elapsed.TotalMilliseconds:F0} ms, " +
            $"a dequeue {dequeue.Bytes:N0} bytes in {dequeue.Elapsed.TotalMilliseconds:F0} ms");
    }

    /// <summary>Runs one exchange; returns the size of the queue's stored state after it, which is what the write carried.</summary>
    private static async Task<(long Bytes, TimeSpan Elapsed)> MeasureAsync(string database, Func<Task<ImmutableArray<AdmissionTicket>>> exchange)
    {
        var clock = Stopwatch.StartNew();
        await exchange();
        var elapsed = clock.Elapsed;
        // The largest stored state is the queue's: the silo's other grains here store a few hundred bytes.
        var bytes = await DatabaseCommands.ScalarAsync(database, "SELECT max(octet_length(payload)) FROM orleans_grain_state");
        return (bytes, elapsed);
    }
}
