using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Admission;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The queue's index is written at most once per flush interval: a task coming to wait is on its page before the
/// answer, a grant writes no row at once, and until the index names the grant the task's page keeps a copy of it.
/// A queue loaded from an index behind its grants waits for the silos' reports before it grants.
/// </summary>
public sealed class AdmissionIndexFlushTests
{
    private const string Silo = "silo-a";
    private static readonly HashSet<string> Live = [Silo];
    private static readonly AdmissionSettings Settings = new(1, 0, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly MemoryAdmissionStorage _storage = new();

    [Fact]
    public async Task A_grant_writes_no_row_until_the_flush_interval_has_passed_and_a_wait_writes_its_page_at_once()
    {
        var (queue, saves, holder, next, last) = await HolderAndTwoWaitingAsync();
        var (index, page) = Versions();

        // The holder ends; the next task is granted its slot: nothing is written within the interval.
        _time.Advance(Settings.IndexFlush / 2);
        queue.Leave(holder.TaskId);
        Assert.Equal([next.TaskId], Grant(queue));
        await saves.SaveAsync();
        Assert.Equal((index, page), Versions());
        Assert.True(saves.IndexBehind);

        // A task coming to wait writes its page at once, the index still not.
        var waiting = Ticket(3);
        queue.Enter(waiting, Silo);
        await saves.SaveAsync();
        Assert.Equal(index, Versions().Index);
        Assert.NotEqual(page, Versions().Page);

        // The page's row keeps a waiting copy of the granted task, as the index does not name its grant yet.
        Assert.Equal(new[] { last.TaskId, waiting.TaskId, next.TaskId }.Order(), _storage.Pages[0].Page.Places.Select(p => p.TaskId).Order());

        // Past the interval, the next save writes the index: it names the grant, and is marked behind.
        _time.Advance(Settings.IndexFlush);
        await saves.SaveAsync();
        Assert.NotEqual(index, Versions().Index);
        Assert.True(_storage.Index.State.Running.ContainsKey(next.TaskId));
        Assert.True(_storage.Index.State.Behind);
        Assert.False(saves.IndexBehind);
    }

    [Fact]
    public async Task A_task_granted_since_the_last_flush_loads_waiting_from_its_copy_until_its_silo_says_it_holds_the_slot()
    {
        var (queue, saves) = await ActivateAsync();
        var (holder, next, waiting) = (Ticket(0), Ticket(1), Ticket(2));
        queue.Report(Silo, 1, [], []);
        queue.Enter(holder, Silo);
        queue.Enter(next, Silo);
        Grant(queue);
        await saves.SaveAsync(flush: true);
        queue.Leave(holder.TaskId);
        Grant(queue);
        queue.Enter(waiting, Silo);
        await saves.SaveAsync();

        // The queue's silo dies: the index names the holder, which ended; the page lists the granted task and the waiting one.
        var (loaded, _) = await ActivateAsync();
        Assert.Equal([next.TaskId, waiting.TaskId], loaded.Ranked(_time.GetUtcNow()).Select(p => p.TaskId));
        Assert.True(loaded.State.Running.ContainsKey(holder.TaskId));

        // Its silo's call says what it holds: the granted task holds its slot, the ended holder's slot is free.
        loaded.Report(Silo, 1, [next with { Processing = true }], []);
        Assert.Equal([next.TaskId], loaded.State.Running.Keys);
        Assert.Equal([waiting.TaskId], loaded.State.Waiting.Keys);
    }

    [Fact]
    public async Task A_deactivation_writes_the_index_not_behind_and_the_next_activation_loads_exactly_what_it_held()
    {
        var (queue, saves, holder, next, waiting) = await HolderAndTwoWaitingAsync();
        queue.Leave(holder.TaskId);
        Grant(queue);
        await saves.SaveAsync();
        Assert.True(saves.IndexBehind);

        await saves.SaveAsync(flush: true, closing: true);
        Assert.False(_storage.Index.State.Behind);
        var (loaded, _) = await ActivateAsync();
        Assert.Equal([next.TaskId], loaded.State.Running.Keys);
        Assert.Equal([waiting.TaskId], loaded.State.Waiting.Keys);
    }

    [Fact]
    public void A_queue_waiting_for_reports_grants_once_every_live_silo_called_or_the_wait_ended_and_is_whole_only_once_all_called()
    {
        var silos = new AdmissionSilos(Settings.GraceForGone, _time);
        var live = new HashSet<string> { "silo-a", "silo-b" };
        silos.AwaitReports(Settings.ReportWait);
        silos.Called("silo-a");
        Assert.False(silos.Reported(live, out _));
        Assert.False(silos.Whole(live));
        silos.Called("silo-b");
        Assert.True(silos.Reported(live, out var gaveUp));
        Assert.False(gaveUp);
        Assert.True(silos.Whole(live));

        // One silo never calls: the queue grants once the wait has passed, says so once, naming the silent silo (taken to hold
        // nothing, see AdmissionQueueGrain.Grant).
        silos.AwaitReports(Settings.ReportWait);
        silos.Called("silo-a");
        _time.Advance(Settings.ReportWait - TimeSpan.FromTicks(1));
        Assert.False(silos.Reported(live, out _));
        Assert.True(silos.Waiting);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(silos.Reported(live, out gaveUp));
        Assert.True(gaveUp);
        Assert.Equal(["silo-b"], silos.Silent(live));
        Assert.True(silos.Reported(live, out gaveUp));
        Assert.False(gaveUp);
        Assert.False(silos.Waiting);
        Assert.False(silos.Whole(live));
        silos.Called("silo-b");
        Assert.True(silos.Whole(live));
    }

    [Fact]
    public void While_the_view_is_not_whole_a_task_asking_with_a_grant_waits_in_its_turn_and_a_processing_one_keeps_its_owners_place()
    {
        var queue = new AdmissionLine(new AdmissionQueueState(), Settings, _time);
        var (pending, processing) = (Ticket(0), Ticket(1));
        queue.Report(Silo, 2, [], []);
        queue.Enter(pending, Silo);
        queue.Enter(processing, Silo);
        Assert.Equal([pending.TaskId, processing.TaskId], Grant(queue, take: false));

        // Loaded from a view behind its grants, the queue does not let them be taken until every silo has said what it holds.
        Assert.False(queue.Enter(pending, Silo, takeGrants: false));
        Assert.False(queue.Enter(processing with { Processing = true }, Silo, takeGrants: false));
        Assert.False(queue.State.Running.ContainsKey(pending.TaskId));
        Assert.True(queue.State.Running[processing.TaskId].Resting);
        Assert.Equal([pending.TaskId, processing.TaskId], queue.Ranked(_time.GetUtcNow()).Select(p => p.TaskId));

        // Granted again once the view is whole, they take their slots.
        Assert.Equal([pending.TaskId, processing.TaskId], Grant(queue, take: false));
        Assert.True(queue.Enter(pending, Silo));
        Assert.True(queue.Enter(processing with { Processing = true }, Silo));
    }

    /// <summary>One slot on the silo: the first of three tasks holds it, the other two wait on a page, all stored.</summary>
    private async Task<(AdmissionLine Queue, AdmissionSaves Saves, AdmissionTicket Holder, AdmissionTicket Next, AdmissionTicket Last)> HolderAndTwoWaitingAsync()
    {
        var (queue, saves) = await ActivateAsync();
        var (holder, next, last) = (Ticket(0), Ticket(1), Ticket(2));
        queue.Report(Silo, 1, [], []);
        queue.Enter(holder, Silo);
        queue.Enter(next, Silo);
        queue.Enter(last, Silo);
        Grant(queue);
        await saves.SaveAsync();
        return (queue, saves, holder, next, last);
    }

    private static List<Guid> Grant(AdmissionLine queue, bool take = true)
    {
        var granted = queue.Admit(Live);
        foreach (var place in granted)
        {
            place.Taken = take;
        }

        return [.. granted.Select(p => p.TaskId)];
    }

    private AdmissionTicket Ticket(int arrival) =>
        new(Guid.NewGuid(), $"user{arrival}", TaskPriority.Normal, _time.GetUtcNow().AddSeconds(arrival));

    private (long Index, long Page) Versions() => (_storage.Index.Version, _storage.Pages.TryGetValue(0, out var page) ? page.Version : 0);

    private async Task<(AdmissionLine Queue, AdmissionSaves Saves)> ActivateAsync()
    {
        var rows = new MemoryAdmissionRows(_storage);
        var (index, pages) = rows.Read();
        var (state, loaded) = AdmissionPages.Load(index, pages);
        var queue = new AdmissionLine(state, Settings, _time);
        var saves = new AdmissionSaves(queue, loaded, rows, index, _time, Settings.IndexFlush);
        saves.Fence();
        await saves.SaveAsync();
        return (queue, saves);
    }
}
