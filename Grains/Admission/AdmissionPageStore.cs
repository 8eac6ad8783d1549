using System.Globalization;
using Orleans.Storage;

namespace OrleansTasks.Admission;

/// <summary>
/// The queue's pages as rows of the task storage provider, beside its index row. One activation
/// writes them, each with the version it last read or wrote, so a stale activation's write is
/// refused as it is for the index. A page this activation has not read yet (one opened since, or
/// left by a migration that stopped half way) is read first for its version.
/// </summary>
public sealed class AdmissionPageStore(IGrainStorage storage)
{
    private const string StateName = "admission-page";
    private readonly Dictionary<int, string?> _versions = [];

    public async Task<AdmissionPage> ReadAsync(int page)
    {
        var state = new GrainState<AdmissionPage>();
        await storage.ReadStateAsync(StateName, Key(page), state);
        _versions[page] = state.ETag;
        return state is { RecordExists: true, State: { } stored } ? stored : new AdmissionPage();
    }

    public async Task WriteAsync(int page, AdmissionPage content)
    {
        if (!_versions.TryGetValue(page, out var version))
        {
            await ReadAsync(page);
            version = _versions[page];
        }

        var state = new GrainState<AdmissionPage>(content) { ETag = version };
        await storage.WriteStateAsync(StateName, Key(page), state);
        _versions[page] = state.ETag;
    }

    /// <summary>Clears a page's row (a page dropped from the end), with the version last read or written.</summary>
    public async Task ClearAsync(int page)
    {
        if (!_versions.TryGetValue(page, out var version))
        {
            await ReadAsync(page);
            version = _versions[page];
        }

        var state = new GrainState<AdmissionPage>(new AdmissionPage()) { ETag = version };
        await storage.ClearStateAsync(StateName, Key(page), state);
        _versions[page] = state.ETag;
    }

    private static GrainId Key(int page) => GrainId.Create("admission-queue-page", page.ToString(CultureInfo.InvariantCulture));
}
