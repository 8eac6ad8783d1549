using Orleans.Timers;

namespace OrleansTasks.Testing.Faults;

/// <summary>A reminder registry that fails the registrations and removals a <see cref="FaultPlan"/> names.</summary>
public sealed class FaultyReminderRegistry(IReminderRegistry inner, FaultPlan plan) : IReminderRegistry
{
    public Task<IGrainReminder> RegisterOrUpdateReminder(GrainId callingGrainId, string reminderName, TimeSpan dueTime, TimeSpan period) =>
        RegisterOrUpdateReminder(callingGrainId, reminderName, dueTime, period, CancellationToken.None);

    public Task<IGrainReminder> RegisterOrUpdateReminder(GrainId callingGrainId, string reminderName, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken)
    {
        Check(callingGrainId, "registering");
        return inner.RegisterOrUpdateReminder(callingGrainId, reminderName, dueTime, period, cancellationToken);
    }

    public Task UnregisterReminder(GrainId callingGrainId, IGrainReminder reminder) =>
        UnregisterReminder(callingGrainId, reminder, CancellationToken.None);

    public Task UnregisterReminder(GrainId callingGrainId, IGrainReminder reminder, CancellationToken cancellationToken)
    {
        Check(callingGrainId, "removing");
        return inner.UnregisterReminder(callingGrainId, reminder, cancellationToken);
    }

    public Task<IGrainReminder?> GetReminder(GrainId callingGrainId, string reminderName) =>
        inner.GetReminder(callingGrainId, reminderName);

    public Task<IGrainReminder?> GetReminder(GrainId callingGrainId, string reminderName, CancellationToken cancellationToken) =>
        inner.GetReminder(callingGrainId, reminderName, cancellationToken);

    public Task<List<IGrainReminder>> GetReminders(GrainId callingGrainId) => inner.GetReminders(callingGrainId);

    public Task<List<IGrainReminder>> GetReminders(GrainId callingGrainId, CancellationToken cancellationToken) =>
        inner.GetReminders(callingGrainId, cancellationToken);

    private void Check(GrainId grain, string what)
    {
        if (plan.OnReminder(grain) != Fault.None)
        {
            throw FaultPlan.Injected($"{what} a reminder of {grain} failed");
        }
    }
}
