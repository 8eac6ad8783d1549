using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Admission;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// Tasks resting in a retry wait: they count toward their owner's <c>Tasks:MaxRunningPerUser</c> (they are
/// <c>processing</c>) but hold no slot of their silo; ending the wait they take a slot past the limit they never
/// left; a gone silo's resting tasks keep their owner's places for the grace, neither freed early nor doubled.
/// </summary>
public sealed class AdmissionRestTests
{
    private const string SiloA = "silo-a";
    private const string SiloB = "silo-b";
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private static readonly HashSet<string> Both = [SiloA, SiloB];
    private static readonly HashSet<string> OnlyB = [SiloB];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    private AdmissionLine NewLine(int slots, int perUser) =>
        new(new AdmissionQueueState(), new AdmissionSettings(slots, perUser, TimeSpan.FromMinutes(5), Grace, TimeSpan.FromSeconds(5)), _time);

    private AdmissionTicket Ticket(string owner, int ageSeconds = 0) =>
        new(Guid.NewGuid(), owner, TaskPriority.Normal, _time.GetUtcNow() - TimeSpan.FromSeconds(ageSeconds));

    /// <summary>The ticket a task asks with once it has started (it took a slot): it is processing.</summary>
    private static AdmissionTicket Processing(AdmissionTicket ticket) => ticket with { Processing = true };

    /// <summary>Alice's tasks granted a slot on silo A and taken, then all resting there.</summary>
    private static AdmissionTicket[] RestingOnA(AdmissionLine line, params AdmissionTicket[] tickets)
    {
        foreach (var ticket in tickets)
        {
            Assert.False(line.Enter(ticket, SiloA));
        }

        Assert.Equal(tickets.Length, line.Admit(Both).Count);
        line.Report(SiloA, 3, tickets, []);
        line.Report(SiloA, 3, [], tickets);
        return tickets;
    }

    private static int Held(AdmissionLine line, string owner) => line.State.Running.Values.Count(p => p.Ticket.OwnerId == owner);

    [Fact]
    public void An_owner_whose_tasks_all_rest_at_the_limit_starts_nothing_new_while_the_silo_slots_they_left_serve_others()
    {
        var line = NewLine(slots: 3, perUser: 2);
        RestingOnA(line, Ticket("alice", 30), Ticket("alice", 29));
        var aliceNew = Ticket("alice", 20);
        var others = new[] { Ticket("bob", 10), Ticket("bob", 9), Ticket("carol", 8) };
        Assert.False(line.Enter(aliceNew, SiloA));
        foreach (var ticket in others)
        {
            Assert.False(line.Enter(ticket, SiloA));
        }

        // All three slots of silo A are free: the resting tasks hold none, but they hold alice's two places.
        Assert.Equal(others.Select(t => t.TaskId).ToHashSet(), line.Admit(Both).Select(p => p.TaskId).ToHashSet());
        Assert.Equal(2, Held(line, "alice"));
        Assert.Equal(1, line.Position(aliceNew.TaskId));
        Assert.Empty(line.Admit(Both));

        // One of hers ends: then, and only then, her new task takes the place.
        line.Leave(line.State.Running.Values.First(p => p.Resting).TaskId);
        line.Leave(others[0].TaskId);
        Assert.Equal([aliceNew.TaskId], line.Admit(Both).Select(p => p.TaskId));
    }

    [Fact]
    public void A_resting_task_whose_wait_ended_takes_a_slot_past_its_owners_limit_and_waits_only_for_its_silo()
    {
        var line = NewLine(slots: 1, perUser: 2);
        var (first, second) = (Ticket("alice", 30), Ticket("alice", 29));
        Assert.False(line.Enter(first, SiloA));
        line.Admit(Both);
        line.Report(SiloA, 1, [first], []);
        line.Report(SiloA, 1, [], [first]);
        Assert.False(line.Enter(second, SiloA));
        line.Admit(Both);
        line.Report(SiloA, 1, [second], [first]);

        // The wait of the first ends while the second holds the silo's one slot: it waits for the slot, first in
        // line though alice is at her limit, and her count does not change.
        var bob = Ticket("bob", 10);
        Assert.False(line.Enter(bob, SiloA));
        Assert.False(line.Enter(Processing(first), SiloA));
        Assert.Equal(1, line.Position(first.TaskId));
        Assert.Equal(2, line.Position(bob.TaskId));
        Assert.Empty(line.Admit(Both));
        Assert.Equal(2, Held(line, "alice"));

        // The second rests in turn: the slot goes to the first (its silo had not heard of the grant when it
        // reported next, which keeps the grant), and alice still holds two places.
        line.Report(SiloA, 1, [], [first, second]);
        Assert.Equal([first.TaskId], line.Admit(Both).Select(p => p.TaskId));
        line.Report(SiloA, 1, [], [first, second]);
        Assert.False(line.State.Running[first.TaskId].Resting);
        Assert.True(line.Enter(Processing(first), SiloA));
        Assert.Equal(2, Held(line, "alice"));
        Assert.Equal(1, line.Position(bob.TaskId));
    }

    [Fact]
    public void A_gone_silos_resting_tasks_keep_their_places_for_the_grace_and_move_without_doubling_when_reported_from_a_live_silo()
    {
        var line = NewLine(slots: 3, perUser: 2);
        var (moved, lost) = (Ticket("alice", 30), Ticket("alice", 29));
        RestingOnA(line, moved, lost);
        var aliceNew = Ticket("alice", 10);
        Assert.False(line.Enter(aliceNew, SiloB));

        // Silo A is gone: both keep alice's places and are woken to come back on a live silo.
        Assert.Equal(new HashSet<Guid> { moved.TaskId, lost.TaskId }, line.Reconcile(OnlyB).ToHashSet());
        Assert.Empty(line.Admit(OnlyB));

        // One comes back resting on silo B: the same place, not a second one.
        line.Report(SiloB, 3, [], [moved]);
        Assert.Equal(2, Held(line, "alice"));
        Assert.Equal(SiloB, line.State.Running[moved.TaskId].Silo);
        Assert.Empty(line.Admit(OnlyB));

        // The other does not within the grace: its place is freed, and alice's new task takes it.
        _time.Advance(Grace + TimeSpan.FromSeconds(1));
        line.Reconcile(OnlyB);
        Assert.Equal([aliceNew.TaskId], line.Admit(OnlyB).Select(p => p.TaskId));
        Assert.Equal(2, Held(line, "alice"));

        // Reported again later, it gets no place over her limit: it asks for one when its wait ends.
        line.Report(SiloB, 3, [], [moved, lost]);
        Assert.False(line.State.Running.ContainsKey(lost.TaskId));
        Assert.Equal(2, Held(line, "alice"));
    }

    [Fact]
    public void A_resting_task_its_live_silo_stops_reporting_keeps_its_owners_place_for_the_grace_and_is_woken()
    {
        var line = NewLine(slots: 3, perUser: 2);
        var (back, lost) = (Ticket("alice", 30), Ticket("alice", 29));
        RestingOnA(line, back, lost);
        var aliceNew = Ticket("alice", 10);
        Assert.False(line.Enter(aliceNew, SiloA));

        // Silo A stops gracefully: its tasks' activations go away while it is still live and reports neither.
        line.Report(SiloA, 3, [], []);
        Assert.Equal(2, Held(line, "alice"));
        Assert.Equal(new HashSet<Guid> { back.TaskId, lost.TaskId }, line.Reconcile(Both).ToHashSet());
        Assert.Empty(line.Admit(Both));

        // One comes back resting on silo B and keeps its place past the grace; the other's place ends with it.
        line.Report(SiloB, 3, [], [back]);
        _time.Advance(Grace + TimeSpan.FromSeconds(1));
        Assert.Empty(line.Reconcile(Both));
        Assert.True(line.State.Running[back.TaskId].Resting);
        Assert.False(line.State.Running.ContainsKey(lost.TaskId));
        Assert.Equal([aliceNew.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal(2, Held(line, "alice"));
    }

    [Fact]
    public void A_resting_task_waiting_for_a_slot_on_another_silo_keeps_its_turn_when_its_old_silo_stops_reporting_it()
    {
        var line = NewLine(slots: 1, perUser: 2);
        var alice = Ticket("alice", 30);
        RestingOnA(line, alice);
        var bob = Ticket("bob", 20);
        Assert.False(line.Enter(bob, SiloB));
        Assert.Equal([bob.TaskId], line.Admit(Both).Select(p => p.TaskId));
        line.Report(SiloB, 1, [bob], []);

        // Her wait ended on silo B, whose one slot bob holds; silo A no longer has her.
        Assert.False(line.Enter(Processing(alice), SiloB));
        line.Report(SiloA, 3, [], []);
        Assert.Equal(1, line.Position(alice.TaskId));

        line.Leave(bob.TaskId);
        Assert.Equal([alice.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal(1, Held(line, "alice"));
    }

    [Fact]
    public void A_task_holding_a_slot_on_a_gone_silo_keeps_its_owners_place_and_takes_the_next_slot_when_it_comes_back()
    {
        var line = NewLine(slots: 1, perUser: 1);
        var (running, aliceNext) = (Ticket("alice", 30), Ticket("alice", 20));
        Assert.False(line.Enter(running, SiloA));
        line.Admit(Both);
        Assert.True(line.Enter(running, SiloA));
        Assert.False(line.Enter(aliceNext, SiloB));

        // Silo A dies: the task is processing still; silo B's free slot does not go to her next task.
        Assert.Equal([running.TaskId], line.Reconcile(OnlyB));
        Assert.Empty(line.Admit(OnlyB));
        Assert.Equal(1, Held(line, "alice"));

        // Woken, it comes back on silo B and takes the slot; her next task starts once it ends.
        Assert.False(line.Enter(Processing(running), SiloB));
        Assert.Equal([running.TaskId], line.Admit(OnlyB).Select(p => p.TaskId));
        Assert.True(line.Enter(Processing(running), SiloB));
        line.Leave(running.TaskId);
        Assert.Equal([aliceNext.TaskId], line.Admit(OnlyB).Select(p => p.TaskId));
    }
}
