using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Timers;
using OrleansTasks.Leases;

namespace OrleansTasks.Grains.Tests;

/// <summary>A grain's lease over a reminder registry in memory, without a cluster.</summary>
public sealed class GrainLeaseTests
{
    private static readonly GrainId Grain = GrainId.Create("index-task", "t1");

    [Fact]
    public async Task A_lease_is_a_reminder_named_lease_with_its_period_and_its_release_removes_it()
    {
        var reminders = new Reminders();
        var lease = new GrainLease(reminders, Grain, TimeSpan.FromSeconds(15), NullLogger<GrainLease>.Instance);

        await lease.TakeAsync();
        Assert.Equal(("lease", TimeSpan.FromSeconds(15)), (reminders.Held.Single().Key.Name, reminders.Held.Single().Value));

        await lease.ReleaseAsync();
        Assert.Empty(reminders.Held);
    }

    [Fact]
    public async Task A_failed_release_is_retried_with_the_reminder_read_again_rather_than_the_stale_handle()
    {
        var reminders = new Reminders();
        var lease = new GrainLease(reminders, Grain, TimeSpan.FromSeconds(15), NullLogger<GrainLease>.Instance);
        await lease.TakeAsync();
        reminders.FailRemovals = 1;

        await lease.ReleaseAsync();
        Assert.Single(reminders.Held);
        await lease.ReleaseAsync();

        Assert.Empty(reminders.Held);
        Assert.Equal(1, reminders.Reads);
    }

    [Fact]
    public async Task An_activation_that_did_not_take_the_lease_still_releases_the_one_stored()
    {
        var reminders = new Reminders();
        await new GrainLease(reminders, Grain, TimeSpan.FromSeconds(15), NullLogger<GrainLease>.Instance).TakeAsync();

        await new GrainLease(reminders, Grain, TimeSpan.FromSeconds(15), NullLogger<GrainLease>.Instance).ReleaseAsync();

        Assert.Empty(reminders.Held);
    }

    private sealed class Reminders : IReminderRegistry
    {
        public Dictionary<(GrainId Grain, string Name), TimeSpan> Held { get; } = [];

        public int FailRemovals { get; set; }

        public int Reads { get; private set; }

        public Task<IGrainReminder> RegisterOrUpdateReminder(GrainId callingGrainId, string reminderName, TimeSpan dueTime, TimeSpan period) =>
            RegisterOrUpdateReminder(callingGrainId, reminderName, dueTime, period, CancellationToken.None);

        public Task<IGrainReminder> RegisterOrUpdateReminder(GrainId callingGrainId, string reminderName, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken)
        {
            Held[(callingGrainId, reminderName)] = period;
            return Task.FromResult<IGrainReminder>(new Reminder(reminderName));
        }

        public Task UnregisterReminder(GrainId callingGrainId, IGrainReminder reminder) =>
            UnregisterReminder(callingGrainId, reminder, CancellationToken.None);

        public Task UnregisterReminder(GrainId callingGrainId, IGrainReminder reminder, CancellationToken cancellationToken)
        {
            if (FailRemovals > 0)
            {
                FailRemovals--;
                throw new TimeoutException("the reminder table is away");
            }

            Held.Remove((callingGrainId, reminder.ReminderName));
            return Task.CompletedTask;
        }

        public Task<IGrainReminder?> GetReminder(GrainId callingGrainId, string reminderName) =>
            GetReminder(callingGrainId, reminderName, CancellationToken.None);

        public Task<IGrainReminder?> GetReminder(GrainId callingGrainId, string reminderName, CancellationToken cancellationToken)
        {
            Reads++;
            return Task.FromResult<IGrainReminder?>(Held.ContainsKey((callingGrainId, reminderName)) ? new Reminder(reminderName) : null);
        }

        public Task<List<IGrainReminder>> GetReminders(GrainId callingGrainId) => GetReminders(callingGrainId, CancellationToken.None);

        public Task<List<IGrainReminder>> GetReminders(GrainId callingGrainId, CancellationToken cancellationToken) =>
            Task.FromResult(Held.Keys.Where(k => k.Grain == callingGrainId).Select(k => (IGrainReminder)new Reminder(k.Name)).ToList());
    }

    private sealed record Reminder(string ReminderName) : IGrainReminder;
}
