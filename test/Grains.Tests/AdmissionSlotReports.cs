using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansTasks.Admission;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// Each silo, once started, tells the admission queue its slots in an exchange of its own. A test that calls the
/// queue posing as a silo waits for that report to be stored first: arriving later, it would race with the test's
/// exchanges (other slots, none of the test's tasks held).
/// </summary>
internal static class AdmissionSlotReports
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    /// <summary>The queue's stored index row, or an empty one if it has stored none yet.</summary>
    public static async Task<AdmissionQueueState> StoredIndexAsync(PostgresSilo silo)
    {
        var row = new GrainState<AdmissionQueueState>();
        await silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks)
            .ReadStateAsync("admission", silo.Client.GetGrain<IAdmissionQueueGrain>(0).GetGrainId(), row);
        return row.State ?? new AdmissionQueueState();
    }

    /// <summary>
    /// Waits until the queue's stored index shows <paramref name="what"/>: a change the queue answered is in its index
    /// within the flush interval (a second), not at once.
    /// </summary>
    public static async Task<AdmissionQueueState> FlushedIndexAsync(PostgresSilo silo, Func<AdmissionQueueState, bool> until, string what)
    {
        AdmissionQueueState index = new();
        await Eventually.TrueAsync($"the admission queue's stored index to show {what}", async () => until(index = await StoredIndexAsync(silo)), Deadline);
        return index;
    }

    /// <summary>Waits until the queue's stored index holds the slots of each of <paramref name="silos"/>.</summary>
    public static async Task StoredAsync(PostgresSilo silo, params PostgresSilo[] silos)
    {
        var addresses = silos.Select(AddressOf).ToList();
        await Eventually.TrueAsync(
            $"the admission queue to store the slots reported by {string.Join(", ", addresses)}",
            async () =>
            {
                var index = await StoredIndexAsync(silo);
                return addresses.All(index.Slots.ContainsKey);
            },
            Deadline);
    }

    public static string AddressOf(PostgresSilo silo) =>
        silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();
}
