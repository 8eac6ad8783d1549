namespace OrleansTasks.Tasks;

/// <summary>
/// Sizes a task's next slice (the documents indexed in one grain turn). Normally a slice is sized
/// from the time per document of the last ones, round trips and all, so that it takes about
/// <see cref="TasksOptions.SliceBudget"/>: whatever makes slices slow, they shrink, and the grain
/// answers reads and cancellation between them. While the database itself is slow (its round
/// trip, measured apart from this process by <see cref="Storage.DatabaseRoundTrips"/>, takes
/// <paramref name="slowRoundTrip"/> (<see cref="TasksOptions.SlowDatabaseRoundTrip"/>) or longer),
/// each slice pays its round trips again however few documents it carries, so slices double, for as
/// long as doubling pays, up to <see cref="MaxDocuments"/>; they halve only when one took longer than
/// its round trips justify (<see cref="SlowSliceRoundTrips"/>).
/// </summary>
/// <remarks>
/// A slice's own time cannot tell a slow database from a processor too busy to run this process:
/// both make a long wall time with little processor used. An earlier sizer that grew slices on
/// their time alone grew them on a starved machine too, until a task's reads waited half a second.
/// So slices grow only on the round trip measured on a thread of its own, the shortest of a few:
/// a starved processor delays some of them, a slow database every one. A doubled slice that took
/// more than half as long again as the one before and also more than one round trip longer did
/// not pay (its documents cost about as much as its round trips): the size goes back, and doubling
/// is tried again <see cref="RetryGrowthAfter"/> slices later, since the round trips' jitter alone
/// can make a doubling look dear. A slice that carried fewer documents than asked (cut at the end of
/// a stored chunk, by <see cref="MaxContentChars"/>, or by unreadable entries) is no trial of its
/// size: it is not compared with the one before, and the size it was asked at stays.
/// <para>
/// The grain answers reads and cancellation only between slices, so a slow database's slice is
/// bounded too: one that took longer than the budget and <see cref="SlowSliceRoundTrips"/> round
/// trips halves, cut short or not, and doubling is tried again <see cref="RetryGrowthAfter"/> slices
/// later. Its documents, not its round trips, made it that long: documents grown large, or a
/// processor starved on top of the slow database.
/// </para>
/// <para>
/// A task that starts while the database is slow need not grow from the first count: <see cref="StartAt"/>
/// starts it at the size the silo's other tasks last asked for (<see cref="SlowDatabaseSlices"/>).
/// </para>
/// </remarks>
public sealed class SliceSizer(TimeSpan budget, TimeSpan slowRoundTrip)
{
    public const int MaxDocuments = 2000;

    /// <summary>The most content one slice carries, unless a single document is larger.</summary>
    public const long MaxContentChars = 4L * 1024 * 1024;

    /// <summary>Slices of a slow database at a size that did not pay to double, before doubling is tried again.</summary>
    public const int RetryGrowthAfter = 4;

    /// <summary>
    /// The round trips a slow database's slice may take beyond the budget before it halves. A slice
    /// pays one to three (its connection, its statements); doubling keeps a size while its documents
    /// cost at most about twice those round trips, so a kept slice takes up to about six. Eight leaves
    /// room for the round trips' jitter and still bounds the wait between slices to seconds.
    /// </summary>
    public const int SlowSliceRoundTrips = 8;

    private const int FirstCount = 16;

    private double _ticksPerDocument;
    private int _firstCount = FirstCount;
    private int _slowCount;
    private int _holding;
    private int _lastDocuments;
    private TimeSpan _lastElapsed;

    /// <summary>How long a slice should take while the database is quick.</summary>
    public TimeSpan Budget => budget;

    /// <summary>True when the database's round trip was slow at the last slice: its slices are sized by their round trips, not the budget.</summary>
    public bool DatabaseSlow { get; private set; }

    public int NextCount()
    {
        if (DatabaseSlow)
        {
            return _slowCount;
        }

        if (_ticksPerDocument <= 0)
        {
            return _firstCount;
        }

        return (int)Math.Clamp(budget.Ticks / _ticksPerDocument, 1, MaxDocuments);
    }

    /// <summary>
    /// Asks the first slice at <paramref name="documents"/> rather than the usual small count: the size
    /// other tasks last asked for while the database is slow (<see cref="SlowDatabaseSlices"/>). The first
    /// slice is then judged as any: if the round trip was slow, doubling is tried from what it carried (it
    /// keeps the size asked if cut short, and halves if it took far longer than its round trips); if not,
    /// the budget sizes the next one.
    /// </summary>
    public void StartAt(int documents)
    {
        if (_ticksPerDocument > 0)
        {
            throw new InvalidOperationException("A sizer starts at a count only before its first slice.");
        }

        _firstCount = Math.Clamp(documents, 1, MaxDocuments);
    }

    /// <summary>
    /// The index took <paramref name="elapsed"/> for a slice of <paramref name="documents"/>, its
    /// round trips included, while the database's round trip took <paramref name="roundTrip"/> (null: not known);
    /// <paramref name="requested"/> is the size the slice was asked at (null: as many as it carried).
    /// </summary>
    public void Record(int documents, TimeSpan elapsed, TimeSpan? roundTrip = null, int? requested = null)
    {
        if (documents == 0)
        {
            return;
        }

        var sample = Math.Max(1, elapsed.Ticks) / (double)documents;
        _ticksPerDocument = _ticksPerDocument <= 0 ? sample : (0.5 * _ticksPerDocument) + (0.5 * sample);

        if (roundTrip is not { } measured || measured < slowRoundTrip || elapsed < slowRoundTrip)
        {
            // Not measured, quick, or the slice itself was quick (it cannot have waited on a slow round trip).
            DatabaseSlow = false;
        }
        else if (elapsed > budget + (SlowSliceRoundTrips * measured))
        {
            // Longer than its round trips justify, cut short or not: fewer documents, tried again later.
            DatabaseSlow = true;
            _holding = RetryGrowthAfter;
            _slowCount = Math.Max(1, documents / 2);
        }
        else if (!DatabaseSlow)
        {
            // A slice cut short (see below) is no trial of the size it was asked at: that size stays.
            DatabaseSlow = true;
            _holding = 0;
            _slowCount = documents < (requested ?? documents) ? requested!.Value : Doubled(documents);
        }
        else if (documents < (requested ?? documents))
        {
            // Cut short: no trial of the size asked, which stays; the next full slice is compared with the last full one.
            return;
        }
        else if (documents > _lastDocuments)
        {
            var extra = elapsed - _lastElapsed;
            var paid = extra <= _lastElapsed / 2 || extra <= measured;
            _holding = paid ? 0 : RetryGrowthAfter;
            _slowCount = paid ? Doubled(documents) : _lastDocuments;
        }
        else if (_holding > 0 && --_holding == 0)
        {
            _slowCount = Doubled(documents);
        }

        _lastDocuments = documents;
        _lastElapsed = elapsed;
    }

    private static int Doubled(int documents) => Math.Min(MaxDocuments, 2 * documents);
}
