using Orleans.Storage;
using OrleansTasks.Storage;

namespace OrleansTasks.Admission;

/// <summary>The queue grain's rows: the index through its persistent state, the pages through <see cref="AdmissionPageStore"/>; a failure retires the activation.</summary>
public sealed class AdmissionRowWriter(DurableState<AdmissionQueueState> durable, AdmissionPageStore pages) : IAdmissionRows
{
    public Task WriteIndexAsync(AdmissionQueueState index) => durable.WriteAsync(index);

    public Task WritePageAsync(int page, AdmissionPage content) => WriteRowAsync(() => pages.WriteAsync(page, content));

    public Task ClearPageAsync(int page) => WriteRowAsync(() => pages.ClearAsync(page));

    /// <summary>Writes or clears a page's row, unless a failed write retired this activation; a failure retires it.</summary>
    private async Task WriteRowAsync(Func<Task> write)
    {
        if (durable.IsRetired)
        {
            throw new InconsistentStateException("The admission queue's activation no longer trusts its state; it writes no page.");
        }

        try
        {
            await write();
        }
        catch
        {
            durable.Retire();
            throw;
        }
    }
}
