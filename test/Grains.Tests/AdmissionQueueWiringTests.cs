using OrleansTasks.Admission;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// How <see cref="AdmissionQueueGrain"/> feeds each exchange to its <see cref="AdmissionLine"/>, on a real silo and
/// PostgreSQL, the test speaking for silos: a silo that called lately is live in another silo's call, a silo the
/// membership lists stopped is not, and a task that asks again in the call after its grant was lost takes that grant.
/// The rules themselves are unit-tested (AdmissionLineTests, AdmissionSilosTests); these would pass a grain that skipped them.
/// </summary>
public sealed class AdmissionQueueWiringTests(PostgresServer postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    // A silo no membership lists: live to the queue only as the caller, or for the grace after it called.
    private const string Unlisted = "10.255.255.1:11111@1";

    // A lease of 10 s: the grace of a silo that called (two leases) outlasts each test.
    private static Dictionary<string, string?> Settings() => new()
    {
        ["Tasks:LeasePeriod"] = "00:00:10",
        ["Tasks:MaxRunningPerSilo"] = "1",
    };

    private static string NewCluster() => "w" + Guid.NewGuid().ToString("N")[..10];

    private static AdmissionTicket Ticket(string owner, TaskPriority priority = TaskPriority.Normal) =>
        new(Guid.NewGuid(), owner, priority, DateTimeOffset.UtcNow);

    /// <summary>One silo on a database of its own, its slots stored in the queue: the silo, its address, the queue.</summary>
    private async Task<(PostgresSilo Silo, string Address, IAdmissionQueueGrain Queue)> OneSiloAsync()
    {
        var silo = await PostgresSilo.StartAsync(await postgres.CreateDatabaseAsync(), NewCluster(), Settings());
        try
        {
            await AdmissionSlotReports.StoredAsync(silo, silo);
            return (silo, AdmissionSlotReports.AddressOf(silo), silo.Client.GetGrain<IAdmissionQueueGrain>(0));
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task A_silo_that_called_but_is_not_listed_yet_has_its_free_slot_granted_in_another_silos_call()
    {
        var (silo, listed, queue) = await OneSiloAsync();
        await using var stopping = silo;
        var (holder, waiter) = (Ticket("alice"), Ticket("bob"));

        // The unlisted silo says it has one free slot; the listed one's slot is held, and a task asks there.
        Assert.Empty(await queue.Exchange(new AdmissionExchange(Unlisted, 1, [], [], [])));
        var answer = await queue.Exchange(new AdmissionExchange(listed, 1, [holder], [waiter], []));

        // The task is granted the unlisted silo's slot, to move there; it no longer waits in line.
        Assert.Empty(answer);
        Assert.Null(await queue.Position(waiter.TaskId));
        var index = await AdmissionSlotReports.FlushedIndexAsync(silo, i => i.Running.ContainsKey(waiter.TaskId), "the task asking on the full silo granted a slot");
        var place = index.Running[waiter.TaskId];
        Assert.Equal((Unlisted, listed), (place.Silo, place.MovingFrom));
    }

    [Fact]
    public async Task A_stopped_silos_free_slot_is_granted_to_no_task()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = NewCluster();
        await using var first = await PostgresSilo.StartAsync(database, cluster, Settings());
        await using var second = await PostgresSilo.StartAsync(database, cluster, Settings());
        var (running, stopped) = (AdmissionSlotReports.AddressOf(first), AdmissionSlotReports.AddressOf(second));
        await AdmissionSlotReports.StoredAsync(first, first, second);
        await second.StopAsync();
        await Eventually.TrueAsync("the first silo's membership to list the second no longer active", async () =>
            (await first.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 1, Deadline);
        var queue = first.Client.GetGrain<IAdmissionQueueGrain>(0);
        var (holder, waiter) = (Ticket("alice"), Ticket("bob"));

        // The stopped silo said it has a free slot, and the queue still holds that; the running silo's slot is held.
        var slotsBefore = (await AdmissionSlotReports.StoredIndexAsync(first)).Slots;
        var answer = await queue.Exchange(new AdmissionExchange(running, 1, [holder], [waiter], []));

        Assert.True(slotsBefore.ContainsKey(stopped), "the stopped silo's slots were stored before the call");
        Assert.Empty(answer);
        Assert.Equal(1, await queue.Position(waiter.TaskId));
    }

    [Fact]
    public async Task A_task_that_asks_again_after_its_grant_was_lost_takes_that_grant_before_a_higher_priority_task()
    {
        var (silo, address, queue) = await OneSiloAsync();
        await using var stopping = silo;
        var (granted, urgent) = (Ticket("alice"), Ticket("bob", TaskPriority.High));

        // The silo's only slot is granted; the answer is lost, so the silo's next call does not say the task holds it,
        // and the task asks again, along with a task of higher priority that asks for the first time.
        Assert.Equal([granted with { Processing = true }], await queue.Exchange(new AdmissionExchange(address, 1, [], [granted], [])));
        var again = await queue.Exchange(new AdmissionExchange(address, 1, [], [urgent, granted], []));

        Assert.Equal([granted with { Processing = true }], again);
        Assert.Equal(1, await queue.Position(urgent.TaskId));
    }
}
