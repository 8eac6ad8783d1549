using Microsoft.Extensions.Time.Testing;
using Orleans.Storage;
using OrleansTasks.Admission;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The admission queue's saves stopped at every point: random runs of tasks coming to wait, being granted, ending
/// while they wait or hold a slot, handing back a grant and waiting again, with a crash in the middle of some
/// saves, the index written only now and then (the clock moves only with the grace). After each crash the queue loaded
/// from what was stored, told by the silo what it holds, holds every waiting task as it was before that save or as it is
/// after it, and every task holding a slot holding it: none lost, none on two places; a task that ended is gone or
/// waits again (it leaves when woken), and holds no slot. And an earlier activation still running after a new one
/// activated writes nothing more.
/// </summary>
public sealed class AdmissionSaveCrashTests
{
    private const string Silo = "silo-a";
    private const int Slots = 3;
    private static readonly HashSet<string> Live = [Silo];
    private static readonly TaskPriority[] Priorities = Enum.GetValues<TaskPriority>();
    private static readonly AdmissionSettings Settings = new(Slots, 0, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));

    // Small pages, so that pages fill, open, empty and are dropped within a run.
    private const int PageSize = 4;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));

    private sealed record Activation(AdmissionLine Queue, AdmissionSaves Saves);

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Every_task_loads_as_it_was_before_the_save_that_stopped_or_as_it_is_after_it(int seed)
    {
        var random = new Random(seed);
        var storage = new MemoryAdmissionStorage();
        var active = await ActivateAsync(storage);
        var stored = Statuses(active.Queue);
        var tickets = new Dictionary<Guid, AdmissionTicket>();
        var handedBack = new HashSet<Guid>();
        var crashes = 0;

        // Each task's statuses, step by step, for the message of a failed assertion.
        var history = new Dictionary<Guid, List<string>>();
        void Note(int step, Dictionary<Guid, string> statuses, string what)
        {
            foreach (var (id, status) in statuses)
            {
                (history.TryGetValue(id, out var list) ? list : history[id] = []).Add($"{step} {what} {status}");
            }
        }
        for (var step = 0; step < 300; step++)
        {
            var queue = active.Queue;
            foreach (var _ in Enumerable.Range(0, random.Next(0, 5)))
            {
                var ticket = new AdmissionTicket(Guid.NewGuid(), $"user{random.Next(3)}", Priorities[random.Next(Priorities.Length)], _time.GetUtcNow().AddTicks(step));
                tickets[ticket.TaskId] = ticket;
                queue.Enter(ticket, Silo);
            }

            var running = queue.State.Running.Values.Where(p => p.Taken).Select(p => p.TaskId).ToList();
            var waiting = queue.State.Waiting.Keys.ToList();
            if (running.Count > 0 && random.Next(3) > 0)
            {
                var id = running[random.Next(running.Count)];
                queue.Leave(id);
                handedBack.Remove(id);
            }

            if (waiting.Count > 0 && random.Next(4) == 0)
            {
                var id = waiting[random.Next(waiting.Count)];
                queue.Leave(id);
                handedBack.Remove(id);
            }

            if (running.Count > 0 && random.Next(6) == 0)
            {
                // A pending task's activation goes away before it took its slot: the grant is held for it for the grace.
                var id = running[random.Next(running.Count)];
                queue.Release(id, Silo);
                handedBack.Add(id);
            }

            if (random.Next(5) == 0)
            {
                // The grace passes: grants not taken are freed, and their tasks ask again, going back to the line.
                _time.Advance(Settings.GraceForGone + TimeSpan.FromSeconds(1));
                queue.Reconcile(Live);
                foreach (var id in handedBack.Where(id => !queue.State.Running.ContainsKey(id)).ToList())
                {
                    queue.Enter(tickets[id], Silo);
                    handedBack.Remove(id);
                }
            }

            var holding = queue.State.Running.Values.Where(p => p.Taken).Select(p => p.Ticket).ToList();
            queue.Report(Silo, Slots, holding, []);
            foreach (var place in queue.Admit(Live))
            {
                place.Taken = true;
            }

            var held = queue.State.Running.Values.Where(p => p.Taken && !p.Resting).Select(p => p.Ticket with { Processing = true }).ToList();
            var after = Statuses(queue);
            Note(step, after, "memory");
            var crash = random.Next(4) == 0;
            if (crash)
            {
                storage.CrashAfter(random.Next(0, 4));
            }

            try
            {
                await active.Saves.SaveAsync();
                stored = after;
            }
            catch (MemoryAdmissionStorage.CrashException)
            {
                crashes++;
                active = await ActivateAfterCrashAsync(storage, random);

                // The silo says what it holds in its next call, the one the new activation waits for before it grants.
                active.Queue.Report(Silo, Slots, held, []);
                var loaded = Statuses(active.Queue);
                Note(step, loaded, "loaded");
                foreach (var id in stored.Keys.Union(after.Keys).Union(loaded.Keys))
                {
                    var (was, now, got) = (stored.GetValueOrDefault(id), after.GetValueOrDefault(id), loaded.GetValueOrDefault(id));
                    var why = $"seed {seed}, step {step}: task {id} loaded {got ?? "absent"}, was {was ?? "absent"} before the save and {now ?? "absent"} after it; "
                        + string.Join("; ", history.GetValueOrDefault(id, []).TakeLast(8));
                    if (now is null)
                    {
                        // Ended: gone, or waiting again until woken (it leaves then), or a grant never taken, freed after the grace, or
                        // resting as the index last named it (its silo does not say it rests: it is woken, and leaves).
                        Assert.True(got is null or Granted or Resting || got.StartsWith("waiting", StringComparison.Ordinal) || got == was, why);
                    }
                    else if (now == Granted)
                    {
                        // Handed back before it took the slot: the grant, or its turn again (from the copy its page's row keeps of it
                        // until the index names the grant), or gone until it asks again.
                        Assert.True(got is null || got == Granted || got == was || got == $"waiting {tickets[id].QueuedAt:O} {tickets[id].Priority}", why);
                    }
                    else if (now.StartsWith("waiting", StringComparison.Ordinal) && was is Holding or Granted)
                    {
                        // Waiting again after a grant the index did not name yet: its request, in the call whose answer was lost, goes again.
                        Assert.True(got is null or Holding or Granted or Resting || got == now, why);
                    }
                    else if (now.StartsWith("waiting", StringComparison.Ordinal))
                    {
                        // Or resting as the index last named it, its turn asked again with the call whose answer was lost.
                        Assert.True(got == was || got == now || got == Resting, why);
                    }
                    else
                    {
                        Assert.True(got == was || got == now, why);
                    }
                }

                stored = loaded;
                handedBack.IntersectWith(stored.Keys);
            }
            finally
            {
                storage.NoCrash();
            }

            if (random.Next(10) == 0)
            {
                // A deactivation writes the index as it is: the next activation loads exactly what was stored.
                await active.Saves.SaveAsync(flush: true, closing: true);
                active = await ActivateAsync(storage);
                Assert.Equal(stored.OrderBy(s => s.Key), Statuses(active.Queue).OrderBy(s => s.Key));
            }
        }

        Assert.True(crashes > 20, $"seed {seed}: only {crashes} saves stopped midway");
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 12)];

    [Fact]
    public async Task An_earlier_activation_still_running_is_refused_at_its_next_write_of_any_row_at_the_latest_its_next_flush()
    {
        var storage = new MemoryAdmissionStorage();
        var earlier = await ActivateAsync(storage);
        var tickets = Enumerable.Range(0, 3 * PageSize).Select(i => new AdmissionTicket(Guid.NewGuid(), "alice", TaskPriority.Normal, _time.GetUtcNow().AddTicks(i))).ToList();
        earlier.Queue.Report(Silo, 0, [], []);
        foreach (var ticket in tickets)
        {
            earlier.Queue.Enter(ticket, Silo);
        }

        await earlier.Saves.SaveAsync();

        // A new activation (the earlier one's silo was declared dead while it still ran) activates and saves.
        var later = await ActivateAsync(storage);
        Assert.Equal(tickets.Count, later.Queue.State.Waiting.Count);

        // A task leaving the earlier one's line is named ended at the index's next write, its flush (every row was rewritten
        // by the later one); a task coming to wait there writes its page at once.
        earlier.Queue.Leave(tickets[^1].TaskId);
        await earlier.Saves.SaveAsync();
        Assert.True(earlier.Saves.IndexBehind);
        await Assert.ThrowsAsync<InconsistentStateException>(() => earlier.Saves.SaveAsync(flush: true));
        var arriving = await ActivateAsync(storage);
        arriving.Queue.Enter(new AdmissionTicket(Guid.NewGuid(), "bob", TaskPriority.Normal, _time.GetUtcNow()), Silo);
        _ = await ActivateAsync(storage);
        arriving.Queue.Enter(new AdmissionTicket(Guid.NewGuid(), "bob", TaskPriority.Normal, _time.GetUtcNow()), Silo);
        await Assert.ThrowsAsync<InconsistentStateException>(() => arriving.Saves.SaveAsync());
        var reloaded = await ActivateAsync(storage);
        Assert.Contains(tickets[^1].TaskId, reloaded.Queue.State.Waiting.Keys);
    }

    /// <summary>The next activation; its own first save, which rewrites every row, may stop midway too (once).</summary>
    private async Task<Activation> ActivateAfterCrashAsync(MemoryAdmissionStorage storage, Random random)
    {
        storage.CrashAfter(random.Next(0, 8));
        try
        {
            return await ActivateAsync(storage);
        }
        catch (MemoryAdmissionStorage.CrashException)
        {
            storage.NoCrash();
            return await ActivateAsync(storage);
        }
    }

    private async Task<Activation> ActivateAsync(MemoryAdmissionStorage storage)
    {
        var rows = new MemoryAdmissionRows(storage);
        var (index, pages) = rows.Read();
        var (state, loaded) = AdmissionPages.Load(index, pages, PageSize);
        var queue = new AdmissionLine(state, Settings, _time);
        var saves = new AdmissionSaves(queue, loaded, rows, index, _time, Settings.IndexFlush);
        saves.Fence();
        await saves.SaveAsync();
        return new(queue, saves);
    }

    private const string Holding = "holding a slot";
    private const string Granted = "granted a slot";
    private const string Resting = "resting";

    /// <summary>Each task the queue holds: waiting with its ticket, holding a slot, or granted one it has not taken.</summary>
    private static Dictionary<Guid, string> Statuses(AdmissionLine queue) =>
        queue.State.Waiting.Values.Select(p => (p.TaskId, Status: $"waiting {p.Ticket.QueuedAt:O} {p.Ticket.Priority}"))
            .Concat(queue.State.Running.Values.Select(p => (p.TaskId, Status: p.Resting ? Resting : p.Taken ? Holding : Granted)))
            .ToDictionary(s => s.TaskId, s => s.Status);
}
