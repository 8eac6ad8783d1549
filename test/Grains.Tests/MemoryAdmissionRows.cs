using Orleans.Storage;
using OrleansTasks.Admission;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The admission queue's rows in memory, stored as copies with a version each, as the grain storage keeps them:
/// each activation reads and writes through a view of its own that checks the version it last read or wrote.
/// A crash can be set to stop the writes after a number of them, as a silo dying mid-save would.
/// </summary>
public sealed class MemoryAdmissionStorage
{
    private int? _writesBeforeCrash;

    public (AdmissionQueueState State, long Version) Index { get; set; } = (new AdmissionQueueState(), 0);

    public Dictionary<int, (AdmissionPage Page, long Version)> Pages { get; } = [];

    /// <summary>The next write after <paramref name="writes"/> more throws <see cref="CrashException"/> and stores nothing.</summary>
    public void CrashAfter(int writes) => _writesBeforeCrash = writes;

    public void NoCrash() => _writesBeforeCrash = null;

    internal void Writing()
    {
        if (_writesBeforeCrash is 0)
        {
            throw new CrashException();
        }

        _writesBeforeCrash--;
    }

    public sealed class CrashException() : Exception("The silo died in the middle of the save.");
}

/// <summary>One activation's view of <see cref="MemoryAdmissionStorage"/>.</summary>
public sealed class MemoryAdmissionRows(MemoryAdmissionStorage storage) : IAdmissionRows
{
    private readonly Dictionary<int, long> _pageVersions = [];
    private long _indexVersion;

    /// <summary>Reads the index and the pages it names, as an activation does.</summary>
    public (AdmissionQueueState Index, AdmissionPage[] Pages) Read()
    {
        _indexVersion = storage.Index.Version;
        var index = Copy(storage.Index.State);
        var pages = Enumerable.Range(0, index.Pages).Select(page =>
        {
            var (stored, version) = storage.Pages.GetValueOrDefault(page, (new AdmissionPage(), 0));
            _pageVersions[page] = version;
            return Copy(stored);
        }).ToArray();
        return (index, pages);
    }

    public Task WriteIndexAsync(AdmissionQueueState index)
    {
        Refuse(storage.Index.Version, _indexVersion, "index");
        storage.Writing();
        storage.Index = (Copy(index), _indexVersion = storage.Index.Version + 1);
        return Task.CompletedTask;
    }

    public Task WritePageAsync(int page, AdmissionPage content)
    {
        var stored = storage.Pages.GetValueOrDefault(page, (new AdmissionPage(), 0)).Version;
        Refuse(stored, _pageVersions.GetValueOrDefault(page, stored), $"page {page}");
        storage.Writing();
        storage.Pages[page] = (Copy(content), _pageVersions[page] = stored + 1);
        return Task.CompletedTask;
    }

    public Task ClearPageAsync(int page) => WritePageAsync(page, new AdmissionPage());

    private static void Refuse(long stored, long known, string row)
    {
        if (stored != known)
        {
            throw new InconsistentStateException($"The {row} was written by another activation (version {stored}, this one knows {known}).");
        }
    }

    private static AdmissionQueueState Copy(AdmissionQueueState index) => new()
    {
        Waiting = index.Waiting.ToDictionary(p => p.Key, p => Copy(p.Value)),
        Running = index.Running.ToDictionary(p => p.Key, p => Copy(p.Value)),
        Slots = new(index.Slots),
        Pages = index.Pages,
        Saves = index.Saves,
        ShrunkTo = index.ShrunkTo,
        ShrunkAt = index.ShrunkAt,
        Ended = new(index.Ended),
        Behind = index.Behind,
    };

    private static AdmissionPage Copy(AdmissionPage page) => new() { Places = [.. page.Places.Select(Copy)], Save = page.Save };

    private static AdmissionPlace Copy(AdmissionPlace place) => new()
    {
        Ticket = place.Ticket,
        Silo = place.Silo,
        Taken = place.Taken,
        Since = place.Since,
        WokenAt = place.WokenAt,
        Resting = place.Resting,
        MovingFrom = place.MovingFrom,
        MoveSends = place.MoveSends,
        MoveSentAt = place.MoveSentAt,
        MoveFailedAt = place.MoveFailedAt,
    };
}
