namespace OrleansTasks.Storage.Faults;

/// <summary>
/// A reminder table whose failures are <see cref="StorageUnavailableException"/>s: the reminder
/// service answers a grain's registration from any silo, so its failures cross silos too.
/// </summary>
public sealed class ReminderTableFaultBoundary(IReminderTable inner) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) => StorageFaults.GuardAsync(() => inner.ReadRows(grainId));

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => StorageFaults.GuardAsync(() => inner.ReadRows(begin, end));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => StorageFaults.GuardAsync(() => inner.ReadRow(grainId, reminderName));

    public Task<string?> UpsertRow(ReminderEntry entry) => StorageFaults.GuardAsync(() => inner.UpsertRow(entry));

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        StorageFaults.GuardAsync(() => inner.RemoveRow(grainId, reminderName, eTag));

    public Task TestOnlyClearTable() => inner.TestOnlyClearTable();
}
