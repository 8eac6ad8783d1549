using Microsoft.Extensions.Logging;

namespace OrleansTasks.Storage.Faults;

/// <summary>
/// A reminder table whose failures are the product's exceptions (see <see cref="StorageFaults"/>),
/// logged once here: the reminder service answers a grain's registration from any silo, so its
/// failures cross silos too.
/// </summary>
public sealed class ReminderTableFaultBoundary(IReminderTable inner, ILogger logger) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        StorageFaults.GuardAsync(() => inner.ReadRows(grainId), logger, "reading the reminders", grainId);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        StorageFaults.GuardAsync(() => inner.ReadRows(begin, end), logger, "reading the reminders", "a range");

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        StorageFaults.GuardAsync(() => inner.ReadRow(grainId, reminderName), logger, $"reading the reminder {reminderName}", grainId);

    public Task<string?> UpsertRow(ReminderEntry entry) =>
        StorageFaults.GuardAsync(() => inner.UpsertRow(entry), logger, $"registering the reminder {entry?.ReminderName}", entry?.GrainId);

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        StorageFaults.GuardAsync(() => inner.RemoveRow(grainId, reminderName, eTag), logger, $"removing the reminder {reminderName}", grainId);

    public Task TestOnlyClearTable() => inner.TestOnlyClearTable();
}
