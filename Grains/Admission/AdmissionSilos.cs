namespace OrleansTasks.Admission;

/// <summary>
/// The silos the admission queue takes as live: those active in the membership it sees, the silo calling, and a silo
/// that has called within the grace which that membership does not list yet, or lists as still starting. A silo that
/// has just started calls the queue before the queue's silo sees it active: taken as gone in another silo's call, the
/// moves granted toward it in its own first call were given up there (the tasks pinned where they waited for the grace)
/// and its slots idled until the queue's view caught up. A silo the membership lists as stopping or dead is gone.
/// </summary>
public sealed class AdmissionSilos(TimeSpan grace, TimeProvider time)
{
    // Silos that called and that the membership seen here did not yet list active, with when they last called.
    private readonly Dictionary<string, DateTimeOffset> _calledAt = new(StringComparer.Ordinal);

    // After the queue loaded an index behind its grants (see AwaitReports): the silos that called since, and when the wait ends.
    private HashSet<string>? _reported;
    private DateTimeOffset _waitEnds;
    private bool _gaveUp;

    /// <summary>The silo called the queue.</summary>
    public void Called(string silo)
    {
        _calledAt[silo] = time.GetUtcNow();
        _reported?.Add(silo);
    }

    /// <summary>
    /// The queue loaded an index behind its grants: until every live silo called (each call says what the silo holds),
    /// or <paramref name="wait"/> passed, it grants nothing, or it could grant a slot a task holds, or a task a slot twice.
    /// </summary>
    public void AwaitReports(TimeSpan wait)
    {
        _reported = new(StringComparer.Ordinal);
        _waitEnds = time.GetUtcNow() + wait;
        _gaveUp = false;
    }

    /// <summary>True while the queue waits for the silos' reports, as last found by <see cref="Reported"/>.</summary>
    public bool Waiting => _reported is not null && !_gaveUp;

    /// <summary>
    /// True unless the queue still waits for a live silo's report (see <see cref="AwaitReports"/>). Once the wait has
    /// passed it is true, though a silo may not have called (<paramref name="gaveUp"/> says so the first time).
    /// </summary>
    public bool Reported(IReadOnlySet<string> live, out bool gaveUp)
    {
        ArgumentNullException.ThrowIfNull(live);
        gaveUp = false;
        if (_reported is null || live.All(_reported.Contains))
        {
            _reported = null;
            return true;
        }

        if (!_gaveUp && time.GetUtcNow() >= _waitEnds)
        {
            (_gaveUp, gaveUp) = (true, true);
        }

        return _gaveUp;
    }

    /// <summary>The live silos that have not called since the queue loaded an index behind its grants (none once all have).</summary>
    public IReadOnlyList<string> Silent(IReadOnlySet<string> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        return _reported is null ? [] : [.. live.Where(silo => !_reported.Contains(silo)).Order(StringComparer.Ordinal)];
    }

    /// <summary>True when the queue's view of what the silos hold is whole: it loaded an index not behind, or every live silo has called since.</summary>
    public bool Whole(IReadOnlySet<string> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        return _reported is null || live.All(_reported.Contains);
    }

    /// <summary>The live silos, given each member's status as the membership seen here lists it, and the silo calling (if any).</summary>
    public HashSet<string> Live(IEnumerable<(string Silo, SiloStatus Status)> members, string? caller)
    {
        ArgumentNullException.ThrowIfNull(members);
        var listed = new Dictionary<string, SiloStatus>(StringComparer.Ordinal);
        foreach (var (silo, status) in members)
        {
            listed[silo] = status;
        }

        var live = listed.Where(member => member.Value == SiloStatus.Active).Select(member => member.Key).ToHashSet(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var (silo, at) in _calledAt.ToList())
        {
            if (now - at > grace || (listed.TryGetValue(silo, out var status) && status is not (SiloStatus.Created or SiloStatus.Joining)))
            {
                // Active (counted above), stopping or dead as listed now, or not heard from within the grace.
                _calledAt.Remove(silo);
            }
            else
            {
                live.Add(silo);
            }
        }

        if (caller is not null)
        {
            live.Add(caller);
        }

        return live;
    }
}
