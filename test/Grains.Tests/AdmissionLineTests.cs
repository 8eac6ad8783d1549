using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Admission;

namespace OrleansTasks.Grains.Tests;

/// <summary>The rules of cluster-wide admission: priority, arrival, ageing, slots per silo, the per-user limit, gone silos.</summary>
public sealed class AdmissionLineTests
{
    private const string SiloA = "silo-a";
    private const string SiloB = "silo-b";
    private const string SiloC = "silo-c";
    private static readonly TimeSpan Ageing = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private static readonly HashSet<string> Both = [SiloA, SiloB];
    private static readonly HashSet<string> All = [SiloA, SiloB, SiloC];
    private static readonly HashSet<string> OnlyA = [SiloA];
    private static readonly HashSet<string> OnlyB = [SiloB];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));

    private AdmissionLine NewLine(int slots = 1, int perUser = 0) =>
        new(new AdmissionQueueState(), new AdmissionSettings(slots, perUser, Ageing, Grace, TimeSpan.FromSeconds(5)), _time);

    private AdmissionTicket Ticket(TaskPriority priority, string owner = "alice", TimeSpan? age = null) =>
        new(Guid.NewGuid(), owner, priority, _time.GetUtcNow() - (age ?? TimeSpan.Zero));

    /// <summary>The ticket a task asks with once it has started (it took a slot).</summary>
    private static AdmissionTicket Processing(AdmissionTicket ticket) => ticket with { Processing = true };

    private static void EnterAll(AdmissionLine line, string silo, params AdmissionTicket[] tickets)
    {
        foreach (var ticket in tickets)
        {
            Assert.False(line.Enter(ticket, silo));
        }
    }

    [Fact]
    public void Higher_priority_goes_first_and_arrival_order_holds_within_a_priority()
    {
        var line = NewLine();
        var lowEarly = Ticket(TaskPriority.Low, age: TimeSpan.FromSeconds(30));
        var normalEarly = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(20));
        var normalLate = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(10));
        var high = Ticket(TaskPriority.High);
        EnterAll(line, SiloA, lowEarly, normalLate, high, normalEarly);

        Assert.Equal([high.TaskId, normalEarly.TaskId, normalLate.TaskId, lowEarly.TaskId], line.Ranked(_time.GetUtcNow()).Select(p => p.TaskId));
        Assert.Equal(1, line.Position(high.TaskId));
        Assert.Equal(4, line.Position(lowEarly.TaskId));

        var granted = line.Admit(Both);

        Assert.Equal([high.TaskId], granted.Select(p => p.TaskId));
        Assert.Null(line.Position(high.TaskId));
        Assert.Equal(1, line.Position(normalEarly.TaskId));
    }

    [Fact]
    public void A_waiting_task_rises_one_level_per_ageing_period_so_low_priority_never_starves()
    {
        var line = NewLine();
        var low = Ticket(TaskPriority.Low);
        EnterAll(line, SiloA, low);
        _time.Advance(Ageing - TimeSpan.FromSeconds(1));
        var normal = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, normal);

        Assert.Equal(normal.TaskId, line.Ranked(_time.GetUtcNow()).First().TaskId);

        // One period: the low task is normal, and earlier than the normal one.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(low.TaskId, line.Ranked(_time.GetUtcNow()).First().TaskId);

        // Two periods: it is high, ahead of high tasks that arrive after it; so is the normal one, aged one level.
        _time.Advance(Ageing);
        var high = Ticket(TaskPriority.High);
        EnterAll(line, SiloA, high);
        Assert.Equal([low.TaskId, normal.TaskId, high.TaskId], line.Ranked(_time.GetUtcNow()).Select(p => p.TaskId));
        Assert.Equal(TaskPriority.High, (TaskPriority)line.AgedLevel(low, _time.GetUtcNow()));
    }

    [Fact]
    public void Each_silo_has_its_own_slots_and_a_free_one_goes_to_the_head_of_the_line_wherever_it_waits()
    {
        var line = NewLine(slots: 2);
        var onA = Enumerable.Range(0, 3).Select(i => Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(10 - i))).ToArray();
        var onB = Ticket(TaskPriority.Low);
        EnterAll(line, SiloA, onA);
        EnterAll(line, SiloB, onB);
        line.Report(SiloA, 2, [], []);
        line.Report(SiloB, 1, [], []);

        var granted = line.Admit(Both);

        // The third task on A, ahead of B's own, takes B's slot: it is to move there, and is told once.
        Assert.Equal([onA[0].TaskId, onA[1].TaskId, onA[2].TaskId], granted.Select(p => p.TaskId));
        Assert.Equal((SiloB, SiloA), (line.State.Running[onA[2].TaskId].Silo, line.State.Running[onA[2].TaskId].MovingFrom));
        Assert.Equal([onA[2].TaskId], line.DueMoves().Select(p => p.TaskId));
        Assert.Empty(line.DueMoves());
        Assert.True(line.Enter(onA[2], SiloB));
        Assert.Null(line.State.Running[onA[2].TaskId].MovingFrom);
        Assert.Empty(line.Admit(Both));
        Assert.Equal(1, line.Position(onB.TaskId));

        line.Leave(onA[0].TaskId);
        Assert.Equal([onB.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal((SiloA, SiloB), (line.State.Running[onB.TaskId].Silo, line.State.Running[onB.TaskId].MovingFrom));
    }

    /// <summary>A on full A, the head of the line, waits; B's slot frees and is granted to it, to move there.</summary>
    private (AdmissionLine Line, AdmissionTicket Head, AdmissionTicket Local) PendingMove()
    {
        var line = NewLine();
        var onA = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(30));
        var onB = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(20));
        var head = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(10));
        var local = Ticket(TaskPriority.Low);
        EnterAll(line, SiloA, onA);
        EnterAll(line, SiloB, onB);
        line.Report(SiloA, 1, [], []);
        line.Report(SiloB, 1, [], []);
        line.Admit(Both);
        Assert.True(line.Enter(onA, SiloA));
        Assert.True(line.Enter(onB, SiloB));
        EnterAll(line, SiloA, head);
        EnterAll(line, SiloB, local);
        Assert.Empty(line.Admit(Both));

        line.Leave(onB.TaskId);
        Assert.Equal([head.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal([head.TaskId], line.DueMoves().Select(p => p.TaskId));
        return (line, head, local);
    }

    [Fact]
    public void A_task_asking_again_from_its_own_silo_while_its_move_is_pending_keeps_its_grant_and_is_granted_nothing_more()
    {
        var (line, head, local) = PendingMove();

        // Its lease asks from A before the move happened: no slot on A, B's stays held for it, nobody else gets it.
        Assert.False(line.Enter(head, SiloA));
        Assert.Empty(line.Admit(Both));
        Assert.Empty(line.DueMoves());
        var place = line.State.Running[head.TaskId];
        Assert.Equal((SiloB, SiloA, false), (place.Silo, place.MovingFrom, place.Taken));
        Assert.False(line.State.Waiting.ContainsKey(head.TaskId));
        Assert.Equal(1, line.Position(local.TaskId));

        // Sent again once a wake interval later, never a third time.
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(line.Enter(head, SiloA));
        Assert.Equal([head.TaskId], line.DueMoves().Select(p => p.TaskId));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(line.Reconcile(Both));
        Assert.Empty(line.DueMoves());

        // It arrives and takes the slot.
        Assert.True(line.Enter(head, SiloB));
        Assert.Equal((SiloB, null, true), (place.Silo, place.MovingFrom, place.Taken));
        Assert.Empty(line.Admit(Both));
    }

    [Fact]
    public void A_move_that_does_not_happen_is_given_up_after_its_second_send_and_the_slot_goes_on_while_the_task_keeps_its_turn()
    {
        var (line, head, local) = PendingMove();
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(line.DueMoves());

        _time.Advance(TimeSpan.FromSeconds(5));
        line.Reconcile(Both);

        Assert.Equal(SiloA, line.State.Waiting[head.TaskId].Silo);
        Assert.Equal(1, line.Position(head.TaskId));
        Assert.Equal([local.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Null(line.State.Running[local.TaskId].MovingFrom);

        // Not moved again within the grace: B's next free slot goes to B's next task, not to it. Bound to A, it
        // does not count ahead of B's task.
        var later = Ticket(TaskPriority.Low);
        EnterAll(line, SiloB, later);
        Assert.Equal(1, line.Position(later.TaskId));
        line.Leave(local.TaskId);
        Assert.Equal([later.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal(1, line.Position(head.TaskId));
    }

    [Fact]
    public void A_pending_move_to_a_silo_that_died_is_given_up_and_the_task_keeps_its_turn()
    {
        var (line, head, _) = PendingMove();

        line.Reconcile(new HashSet<string> { SiloA });

        Assert.False(line.State.Running.ContainsKey(head.TaskId));
        Assert.Equal(SiloA, line.State.Waiting[head.TaskId].Silo);
        Assert.Equal(1, line.Position(head.TaskId));
    }

    /// <summary>A silo that stops reports no slots: a move planned toward it is given up at once, not sent to a silo handing its tasks on.</summary>
    [Fact]
    public void A_pending_move_to_a_silo_that_reports_no_slots_is_given_up_and_the_task_keeps_its_turn()
    {
        var (line, head, _) = PendingMove();

        line.Report(SiloB, 0, [], []);
        line.Reconcile(Both);

        Assert.False(line.State.Running.ContainsKey(head.TaskId));
        Assert.Equal(SiloA, line.State.Waiting[head.TaskId].Silo);
        Assert.Empty(line.DueMoves());
        Assert.Empty(line.Admit(Both));
    }

    [Fact]
    public void An_owner_at_the_per_user_limit_is_skipped_until_one_of_theirs_ends()
    {
        var line = NewLine(slots: 3, perUser: 2);
        var alice = Enumerable.Range(0, 3).Select(i => Ticket(TaskPriority.High, "alice", TimeSpan.FromSeconds(10 - i))).ToArray();
        var bob = Ticket(TaskPriority.Low, "bob");
        EnterAll(line, SiloA, alice);
        EnterAll(line, SiloA, bob);

        var granted = line.Admit(Both).Select(p => p.TaskId).ToList();

        Assert.Equal([alice[0].TaskId, alice[1].TaskId, bob.TaskId], granted);
        line.Leave(bob.TaskId);
        Assert.Empty(line.Admit(Both));
        line.Leave(alice[0].TaskId);
        Assert.Equal([alice[2].TaskId], line.Admit(Both).Select(p => p.TaskId));
    }

    [Fact]
    public void A_granted_task_takes_its_slot_by_asking_and_a_grant_never_taken_is_freed()
    {
        var line = NewLine();
        var first = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(2));
        var second = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, first, second);
        Assert.Single(line.Admit(Both));

        Assert.True(line.Enter(first, SiloA));

        line.Leave(first.TaskId);
        Assert.Equal([second.TaskId], line.Admit(Both).Select(p => p.TaskId));
        _time.Advance(Grace + TimeSpan.FromSeconds(1));
        line.Reconcile(Both);
        Assert.Empty(line.State.Running);
    }

    [Fact]
    public void A_gone_silos_slots_are_freed_and_its_tasks_keep_their_turn_and_their_owners_place_while_they_are_woken()
    {
        var line = NewLine();
        var running = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(3));
        var waitingOnA = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(2));
        var waitingOnB = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(1));
        EnterAll(line, SiloB, running, waitingOnB);
        EnterAll(line, SiloA, waitingOnA);
        line.Report(SiloA, 1, [], []);
        line.Report(SiloB, 1, [], []);
        line.Admit(Both);
        Assert.True(line.Enter(running, SiloB));
        Assert.True(line.Enter(waitingOnA, SiloA));
        line.Report(SiloA, 1, [waitingOnA], []);
        line.Leave(waitingOnA.TaskId);

        HashSet<string> onlyA = [SiloA];
        var wake = line.Reconcile(onlyA);

        Assert.Equal(new HashSet<Guid> { running.TaskId, waitingOnB.TaskId }, wake.ToHashSet());
        Assert.True(line.State.Running[running.TaskId].Resting);
        Assert.Empty(line.Admit(onlyA));
        Assert.Empty(line.Reconcile(onlyA));

        // It asks again from silo A and takes the slot, ahead of everything that came later.
        var later = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, later, waitingOnB);
        Assert.Equal([waitingOnB.TaskId], line.Admit(onlyA).Select(p => p.TaskId));
    }

    [Fact]
    public void A_reconcile_after_quiet_ones_still_finds_the_tasks_of_a_silo_gone_since_and_of_one_no_reconcile_saw_live()
    {
        // Reconciles with the same silos live, nobody waiting on another, leave the line alone; each silo leaving
        // after that, or a task waiting on a silo none of them saw, is still found.
        var line = NewLine();
        var holder = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(9));
        var onA = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(5));
        var onB = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(4));
        EnterAll(line, SiloA, holder);
        line.Admit(OnlyA);
        EnterAll(line, SiloA, onA);
        EnterAll(line, SiloB, onB);
        Assert.Empty(line.Reconcile(Both));
        Assert.Empty(line.Reconcile(All));

        Assert.Equal([onB.TaskId], line.Reconcile(OnlyA));

        var onC = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(3));
        EnterAll(line, SiloB, onB);
        Assert.Empty(line.Reconcile(Both));
        EnterAll(line, SiloC, onC);
        Assert.Equal([onC.TaskId], line.Reconcile(Both));

        // Past the grace, the task of the silo no reconcile saw live is dropped; the others keep their turn.
        _time.Advance(Grace + TimeSpan.FromSeconds(1));
        line.Reconcile(Both);
        Assert.Null(line.Position(onC.TaskId));
        Assert.Equal([1, 2], new[] { onA, onB }.Select(t => line.Position(t.TaskId)));
    }

    [Fact]
    public void Queue_position_puts_the_tasks_that_can_start_first_so_an_owner_at_the_limit_pushes_nobody_down()
    {
        var line = NewLine(slots: 3, perUser: 2);
        var aliceRunning = Enumerable.Range(0, 2).Select(i => Ticket(TaskPriority.High, "alice", TimeSpan.FromSeconds(30 - i))).ToArray();
        EnterAll(line, SiloA, aliceRunning);
        line.Admit(Both);
        line.Report(SiloA, 2, aliceRunning, []);

        // Alice holds her two: her waiting tasks rank first but wait for one of hers to end.
        var alice = Enumerable.Range(0, 2).Select(i => Ticket(TaskPriority.High, "alice", TimeSpan.FromSeconds(10 - i))).ToArray();
        var bob = Ticket(TaskPriority.Normal, "bob");
        EnterAll(line, SiloA, alice);
        EnterAll(line, SiloA, bob);

        Assert.Equal([2, 3, 1], alice.Append(bob).Select(t => line.Position(t.TaskId)));

        // The next slot freed goes to position 1; once one of alice's ends, to her first.
        line.Report(SiloA, 3, aliceRunning, []);
        Assert.Equal([bob.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal([1, 2], alice.Select(t => line.Position(t.TaskId)));
        line.Leave(aliceRunning[0].TaskId);
        Assert.Equal([alice[0].TaskId], line.Admit(Both).Select(p => p.TaskId));
    }

    [Fact]
    public void A_task_whose_silo_is_gone_is_dropped_after_its_grace_and_gets_its_place_back_when_it_asks_again()
    {
        var line = NewLine();
        var holder = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(9));
        var lost = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(5));
        var later = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, holder);
        line.Admit(Both);
        EnterAll(line, SiloB, lost);
        EnterAll(line, SiloA, later);
        HashSet<string> onlyA = [SiloA];
        line.Reconcile(onlyA);
        _time.Advance(Grace + TimeSpan.FromSeconds(1));

        line.Reconcile(onlyA);

        Assert.Null(line.Position(lost.TaskId));
        Assert.Equal(1, line.Position(later.TaskId));
        EnterAll(line, SiloA, lost);
        Assert.Equal(1, line.Position(lost.TaskId));
        Assert.Equal(2, line.Position(later.TaskId));
    }

    [Fact]
    public void A_silos_report_restores_the_slots_it_holds_and_frees_those_it_no_longer_holds()
    {
        var line = NewLine(slots: 2);
        var kept = Ticket(TaskPriority.Normal);
        var ended = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, ended);
        line.Admit(Both);
        Assert.True(line.Enter(ended, SiloA));
        var next = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, next);

        line.Report(SiloA, 1, [kept], []);

        Assert.Equal([kept.TaskId], line.State.Running.Keys);
        Assert.Empty(line.Admit(Both));
        Assert.True(line.Changed);
    }

    [Fact]
    public void A_task_released_unfinished_frees_its_slot_but_keeps_its_owners_place_and_comes_back_first()
    {
        var line = NewLine(slots: 1, perUser: 1);
        var first = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(10));
        var second = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(5));
        var bob = Ticket(TaskPriority.Normal, "bob");
        EnterAll(line, SiloA, first, second, bob);
        Assert.Equal([first.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.True(line.Enter(first, SiloA));

        // Its activation on silo A goes away (the silo stops, or a write failed): alice is still at her limit.
        line.Release(first.TaskId, SiloA);

        Assert.Equal([bob.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal(new HashSet<Guid> { first.TaskId }, line.Reconcile(Both).ToHashSet());

        // Handed on to silo B, it asks there, ahead of its owner's limit, and takes B's slot.
        EnterAll(line, SiloB, first);
        Assert.Equal(1, line.Position(first.TaskId));
        Assert.Equal([first.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.True(line.Enter(first, SiloB));
        Assert.Equal(SiloB, line.State.Running[first.TaskId].Silo);
        Assert.Equal(1, line.Position(second.TaskId));
        Assert.Empty(line.Admit(Both));
    }

    [Fact]
    public void A_release_from_a_silo_the_task_has_left_changes_nothing()
    {
        var line = NewLine(slots: 1, perUser: 1);
        var first = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(10));
        var second = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(5));
        EnterAll(line, SiloA, first, second);
        line.Admit(Both);
        Assert.True(line.Enter(first, SiloA));

        // Its next activation asks from silo B before silo A's release arrives.
        Assert.True(line.Enter(first, SiloB));
        line.Release(first.TaskId, SiloA);

        var place = line.State.Running[first.TaskId];
        Assert.Equal((SiloB, false), (place.Silo, place.Resting));
        Assert.Empty(line.Admit(Both));
        Assert.Equal(1, line.Position(second.TaskId));
    }

    [Fact]
    public void A_task_moving_to_a_full_silo_waits_there_for_a_slot_instead_of_overfilling_it()
    {
        var line = NewLine(slots: 1, perUser: 1);
        var onA = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(10));
        var aliceNext = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(8));
        var onB = Ticket(TaskPriority.Normal, "bob", TimeSpan.FromSeconds(5));
        EnterAll(line, SiloA, onA, aliceNext);
        EnterAll(line, SiloB, onB);
        Assert.Equal(2, line.Admit(Both).Count);
        Assert.True(line.Enter(onA, SiloA));
        Assert.True(line.Enter(onB, SiloB));

        Assert.False(line.Enter(Processing(onA), SiloB));

        Assert.Equal(1, line.State.Running.Values.Count(p => p.Silo == SiloB && !p.Resting));
        Assert.Equal(1, line.Position(onA.TaskId));
        Assert.Empty(line.Admit(Both));
        line.Leave(onB.TaskId);
        Assert.Equal([onA.TaskId], line.Admit(Both).Select(p => p.TaskId));
    }

    /// <summary>Silos A and B, one slot each, each held by a task of its own (carol's and dave's).</summary>
    private (AdmissionTicket OnA, AdmissionTicket OnB) HoldBoth(AdmissionLine line)
    {
        var (onA, onB) = (Ticket(TaskPriority.High, "carol", TimeSpan.FromMinutes(1)), Ticket(TaskPriority.High, "dave", TimeSpan.FromMinutes(1)));
        EnterAll(line, SiloA, onA);
        EnterAll(line, SiloB, onB);
        line.Report(SiloA, 1, [], []);
        line.Report(SiloB, 1, [], []);
        Assert.Equal(2, line.Admit(Both).Count);
        Assert.True(line.Enter(onA, SiloA));
        Assert.True(line.Enter(onB, SiloB));
        return (onA, onB);
    }

    [Fact]
    public void Among_tasks_of_one_level_that_came_within_a_wake_interval_a_freed_slot_goes_to_the_task_waiting_on_its_silo()
    {
        var line = NewLine();
        var (_, holderB) = HoldBoth(line);
        var head = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(10));
        var onB = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(6));
        EnterAll(line, SiloA, head);
        EnterAll(line, SiloB, onB);

        line.Leave(holderB.TaskId);
        var granted = line.Admit(Both);

        Assert.Equal([onB.TaskId], granted.Select(p => p.TaskId));
        Assert.Equal((SiloB, null), (line.State.Running[onB.TaskId].Silo, line.State.Running[onB.TaskId].MovingFrom));
        Assert.Empty(line.DueMoves());
        Assert.Equal(SiloA, line.State.Waiting[head.TaskId].Silo);
        Assert.Equal(1, line.Position(head.TaskId));
    }

    [Theory]
    [InlineData(TaskPriority.High, 1)]
    [InlineData(TaskPriority.Normal, 5)]
    public void The_head_moves_to_a_freed_slot_when_it_outranks_the_silos_own_task_by_a_level_or_a_wake_interval(TaskPriority priority, int secondsEarlier)
    {
        var line = NewLine();
        var (_, holderB) = HoldBoth(line);
        var onB = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(10));
        var head = Ticket(priority, age: TimeSpan.FromSeconds(10 + secondsEarlier));
        EnterAll(line, SiloA, head);
        EnterAll(line, SiloB, onB);

        line.Leave(holderB.TaskId);

        Assert.Equal([head.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal((SiloB, SiloA), (line.State.Running[head.TaskId].Silo, line.State.Running[head.TaskId].MovingFrom));
        Assert.Equal(1, line.Position(onB.TaskId));
    }

    [Fact]
    public void A_task_is_not_moved_to_a_silo_while_a_task_moves_from_that_silo_to_its_own_so_two_silos_never_swap_tasks()
    {
        var line = NewLine();
        var (holderA, holderB) = HoldBoth(line);
        var fromB = Ticket(TaskPriority.High, "erin");
        var onA = Ticket(TaskPriority.Normal, "frank", TimeSpan.FromSeconds(30));
        var lateOnB = Ticket(TaskPriority.Low, "gina");
        EnterAll(line, SiloB, fromB, lateOnB);
        EnterAll(line, SiloA, onA);

        // A frees: B's high task outranks A's own and moves there.
        line.Leave(holderA.TaskId);
        Assert.Equal([fromB.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal((SiloA, SiloB), (line.State.Running[fromB.TaskId].Silo, line.State.Running[fromB.TaskId].MovingFrom));

        // B frees before it arrived: A's task, which outranks B's low one, does not move the other way; B's own takes it.
        line.Leave(holderB.TaskId);
        Assert.Equal([lateOnB.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Null(line.State.Running[lateOnB.TaskId].MovingFrom);
        Assert.Equal(SiloA, line.State.Waiting[onA.TaskId].Silo);
    }

    [Fact]
    public void A_pending_task_whose_grant_its_silo_handed_back_does_not_rest_and_stays_under_its_owners_limit()
    {
        var line = NewLine(slots: 1, perUser: 1);
        var first = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(30));
        var second = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(28));
        var bob = Ticket(TaskPriority.Normal, "bob", TimeSpan.FromMinutes(1));
        EnterAll(line, SiloB, bob);
        Assert.Single(line.Admit(Both));
        Assert.True(line.Enter(bob, SiloB));
        EnterAll(line, SiloA, first, second);

        // Silo A's exchange grants the first its slot and takes it for the task, which is no longer there: the silo hands it back.
        var grant = Assert.Single(line.Admit(Both));
        grant.Taken = true;
        line.Release(first.TaskId, SiloA);

        var place = line.State.Running[first.TaskId];
        Assert.Equal((false, false), (place.Resting, place.Taken));

        // Woken, it asks from silo B, which is full: it waits there in its turn, at alice's limit like her other task.
        Assert.False(line.Enter(first, SiloB));
        Assert.False(line.State.Running.ContainsKey(first.TaskId));
        line.Reconcile(Both);
        Assert.Equal(SiloB, line.State.Waiting[first.TaskId].Silo);
        Assert.Equal([second.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.True(line.Enter(second, SiloA));
        line.Leave(bob.TaskId);
        Assert.Empty(line.Admit(Both));
        Assert.Equal(1, line.State.Running.Values.Count(p => p.Ticket.OwnerId == "alice"));
    }

    [Fact]
    public void A_pending_task_granted_a_slot_that_asks_from_a_full_silo_waits_there_and_keeps_its_turn()
    {
        var line = NewLine();
        var (_, _) = HoldBoth(line);
        var task = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(20));
        var later = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloC, task);
        line.Report(SiloC, 1, [], []);
        EnterAll(line, SiloA, later);
        Assert.Equal([task.TaskId], line.Admit(All).Select(p => p.TaskId));

        // Woken to take its slot on C, its activation comes up on A, which is full: the grant is void, it waits on A.
        Assert.False(line.Enter(task, SiloA));
        Assert.Empty(line.Reconcile(All));

        Assert.False(line.State.Running.ContainsKey(task.TaskId));
        Assert.Equal(SiloA, line.State.Waiting[task.TaskId].Silo);
        Assert.Equal(1, line.Position(task.TaskId));
        Assert.Equal([task.TaskId], line.Admit(All).Select(p => p.TaskId));
    }

    [Fact]
    public void A_processing_task_granted_a_slot_after_its_retry_wait_that_asks_from_a_full_silo_keeps_its_owners_place()
    {
        var line = NewLine(slots: 1, perUser: 1);
        HoldBoth(line);
        var task = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(20));
        var aliceNext = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(10));
        line.Report(SiloC, 1, [], [Processing(task)]);
        Assert.False(line.Enter(Processing(task), SiloC));
        Assert.Equal([task.TaskId], line.Admit(All).Select(p => p.TaskId));
        EnterAll(line, SiloC, aliceNext);

        // Its activation comes up on A, which is full: it rests there, alice's place still its own.
        Assert.False(line.Enter(Processing(task), SiloA));
        Assert.Empty(line.Reconcile(All));

        Assert.True(line.State.Running[task.TaskId].Resting);
        Assert.Equal(1, line.Position(task.TaskId));
        Assert.Empty(line.Admit(All));
    }

    [Fact]
    public void A_move_given_up_leaves_the_task_waiting_on_the_silo_it_last_asked_from()
    {
        var (line, head, _) = PendingMove();

        // Its activation came up on silo C, not on B, where the slot is held for it.
        Assert.False(line.Enter(head, SiloC));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(line.DueMoves());
        _time.Advance(TimeSpan.FromSeconds(5));
        line.Reconcile(All);

        Assert.Equal(SiloC, line.State.Waiting[head.TaskId].Silo);
        Assert.Contains(head.TaskId, line.Admit(All).Select(p => p.TaskId));
        Assert.Equal((SiloC, null), (line.State.Running[head.TaskId].Silo, line.State.Running[head.TaskId].MovingFrom));
    }

    [Fact]
    public void A_silos_slots_are_kept_for_the_grace_while_the_queue_does_not_see_it_active_yet()
    {
        var line = NewLine();
        var holder = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(10));
        var head = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, holder, head);
        line.Report(SiloA, 1, [], []);
        line.Admit(Both);
        Assert.True(line.Enter(holder, SiloA));

        // Silo B has just started and said its slots; the queue's membership does not list it active yet.
        line.Report(SiloB, 1, [], []);
        HashSet<string> onlyA = [SiloA];
        line.Reconcile(onlyA);
        Assert.Empty(line.Admit(onlyA));

        // Once it does, the head moves there.
        line.Reconcile(Both);
        Assert.Equal([head.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal((SiloB, SiloA), (line.State.Running[head.TaskId].Silo, line.State.Running[head.TaskId].MovingFrom));

        // A silo not seen active within the grace after it said its slots is forgotten.
        line.Report(SiloC, 1, [], []);
        _time.Advance(Grace + TimeSpan.FromSeconds(1));
        line.Reconcile(Both);
        Assert.False(line.State.Slots.ContainsKey(SiloC));
    }

    [Fact]
    public void A_resting_task_counts_ahead_only_of_tasks_waiting_on_its_own_silo()
    {
        var line = NewLine();
        var (holderA, holderB) = HoldBoth(line);
        var resting = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(30));
        line.Report(SiloA, 1, [holderA], [Processing(resting)]);
        Assert.False(line.Enter(Processing(resting), SiloA));
        var onB = Ticket(TaskPriority.Normal, "bob", TimeSpan.FromSeconds(10));
        var onA = Ticket(TaskPriority.Normal, "carol", TimeSpan.FromSeconds(5));
        EnterAll(line, SiloB, onB);
        EnterAll(line, SiloA, onA);

        Assert.Equal([1, 1, 3], new[] { resting, onB, onA }.Select(t => line.Position(t.TaskId)));

        // The next slot freed is B's: it goes to position 1 there, not to the resting task bound to A.
        line.Leave(holderB.TaskId);
        Assert.Equal([onB.TaskId], line.Admit(Both).Select(p => p.TaskId));
    }

    [Fact]
    public void The_line_tells_apart_changes_to_waiting_tasks_from_changes_to_the_slots()
    {
        var line = NewLine();
        var first = Ticket(TaskPriority.Normal, age: TimeSpan.FromSeconds(2));
        var second = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, first, second);

        Assert.False(line.IndexChanged);
        Assert.Equal([first.TaskId, second.TaskId], line.ChangedWaiting);
        line.Saved();
        Assert.False(line.Changed);

        line.Admit(Both);
        Assert.True(line.IndexChanged);
        Assert.Equal([first.TaskId], line.ChangedWaiting);
        line.Saved();

        Assert.True(line.Enter(first, SiloA));
        line.Leave(first.TaskId);
        Assert.True(line.IndexChanged);
        Assert.Empty(line.ChangedWaiting);
    }
    [Fact]
    public void A_task_waiting_on_a_gone_silo_keeps_a_free_slot_for_its_turn_and_the_other_free_slots_go_on_down_the_line()
    {
        var line = NewLine();
        var gone = Ticket(TaskPriority.Normal, "alice", TimeSpan.FromSeconds(30));
        var onA = Ticket(TaskPriority.Normal, "bob", TimeSpan.FromSeconds(20));
        var onB = Ticket(TaskPriority.Normal, "carol", TimeSpan.FromSeconds(10));
        EnterAll(line, SiloC, gone);
        EnterAll(line, SiloA, onA);
        EnterAll(line, SiloB, onB);
        line.Report(SiloA, 1, [], []);
        line.Report(SiloB, 1, [], []);
        Assert.Equal([gone.TaskId], line.Reconcile(Both));

        // Two slots are free: one is kept for the task whose silo is gone, the other goes to the next in line.
        Assert.Equal([onA.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal([1, 2], new[] { gone, onB }.Select(t => line.Position(t.TaskId)));

        // Woken, it asks again from a live silo and takes the slot kept for it, ahead of those that came after it.
        EnterAll(line, SiloB, gone);
        Assert.Equal([gone.TaskId], line.Admit(Both).Select(p => p.TaskId));
        Assert.Equal(1, line.Position(onB.TaskId));
    }

    [Fact]
    public void A_grant_whose_answer_was_lost_is_honoured_when_the_task_asks_again_in_a_call_that_does_not_list_it_held()
    {
        var line = NewLine();
        var waiter = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, waiter);
        line.Report(SiloA, 1, [], []);

        // Granted in a call of silo A (the queue marks it taken there), whose answer never reached the silo.
        var granted = Assert.Single(line.Admit(Both));
        granted.Taken = true;

        // The silo's next call does not list it held, but asks for it again: the slot granted to it stands.
        line.Report(SiloA, 1, [], [], asking: [waiter.TaskId]);
        Assert.True(line.Enter(waiter, SiloA));
        Assert.True(line.State.Running[waiter.TaskId].Ticket.Processing);
        Assert.Null(line.Position(waiter.TaskId));
    }

    [Fact]
    public void A_task_a_silo_reports_holding_counts_as_processing_though_its_ticket_does_not_say_so()
    {
        var line = NewLine(perUser: 1);

        // A silo of an earlier build sends no Processing flag: the task it holds has started all the same.
        var held = Ticket(TaskPriority.Normal, "alice");
        line.Report(SiloA, 1, [held], []);
        Assert.True(line.State.Running[held.TaskId].Ticket.Processing);

        // Its activation goes away: its slot is freed, its owner's place kept (it rests, as any processing task).
        line.Release(held.TaskId, SiloA);
        Assert.True(line.State.Running[held.TaskId].Resting);
        var alices = Ticket(TaskPriority.Normal, "alice");
        var bobs = Ticket(TaskPriority.Normal, "bob");
        EnterAll(line, SiloA, alices, bobs);
        Assert.Equal([bobs.TaskId], line.Admit(Both).Select(p => p.TaskId));
    }

    [Fact]
    public void A_release_that_says_the_task_started_keeps_its_owners_place_and_does_not_take_back_a_place_its_next_activation_took_elsewhere()
    {
        var line = NewLine(slots: 1, perUser: 1);
        var waiter = Ticket(TaskPriority.Normal);
        EnterAll(line, SiloA, waiter);
        line.Report(SiloA, 1, [], []);
        line.Report(SiloB, 1, [], []);
        Assert.Equal([waiter.TaskId], line.Admit(OnlyA).Select(p => p.TaskId));
        line.State.Running[waiter.TaskId].Taken = true;

        // Its activation leaves A before A's next call; the next one asks from B, which has a free slot, and takes it.
        Assert.True(line.Enter(Processing(waiter), SiloB));

        // A's release arrives, saying it started: the place on B is not touched, and B's slot stays the waiter's.
        line.Release(waiter.TaskId, SiloA, started: true);
        var other = Ticket(TaskPriority.High, owner: "bob");
        EnterAll(line, SiloB, other);
        Assert.Empty(line.Admit(OnlyB));
        Assert.Equal((SiloB, false), (line.State.Running[waiter.TaskId].Silo, line.State.Running[waiter.TaskId].Resting));

        // Released from where it holds the slot, having started: it rests, keeping its owner's place, and the slot is free.
        line.Release(waiter.TaskId, SiloB, started: true);
        Assert.True(line.State.Running[waiter.TaskId].Resting);
        Assert.Equal([other.TaskId], line.Admit(OnlyB).Select(p => p.TaskId));
    }
}
