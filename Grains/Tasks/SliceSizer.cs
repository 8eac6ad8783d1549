namespace OrleansTasks.Tasks;

/// <summary>
/// Sizes a task's next slice (the documents indexed in one grain turn) for throughput. A slice
/// costs a fixed part, its database round trips, the same for one document or two thousand, plus
/// a part per document. While the database is quick, the documents' part aims at
/// <see cref="TasksOptions.SliceBudget"/>. While it is slow (the fixed part takes
/// <see cref="SlowDatabase"/> or longer), slices never shrink: each pays the round trips again, so
/// they double for as long as doubling costs less than half as much time again, that is until their
/// documents take about as long as their round trips, up to <see cref="MaxDocuments"/>.
/// </summary>
/// <remarks>
/// The cost per document is the slope between consecutive slices of different sizes (the fixed part
/// cancels out): their median over the last few aims a quick database's slices, so that one
/// latency change or jitter does not count. Whether the database is slow is judged with the smallest
/// of those slopes: a slow database's jitter (connections opened anew take seconds) inflates some,
/// and an inflated cost per document would explain away round trips that are slow. Sizes alternate
/// a quarter below and above the aim so that there is a slope; the second slice, a quarter of the
/// first, gives the first one.
/// </remarks>
public sealed class SliceSizer(TimeSpan budget)
{
    public const int MaxDocuments = 2000;

    /// <summary>The most content one slice carries, unless a single document is larger.</summary>
    public const long MaxContentChars = 4L * 1024 * 1024;

    /// <summary>
    /// A slice whose fixed part takes this long waits for a slow database: a healthy one answers
    /// a slice's few round trips in milliseconds; 200 ms of added latency makes them take 0.6 s.
    /// </summary>
    public static readonly TimeSpan SlowDatabase = TimeSpan.FromMilliseconds(250);

    private const int FirstCount = 16;
    private const int SecondCount = FirstCount / 4;
    private const int Slopes = 5;

    private readonly Queue<double> _slopes = new();
    private double _ticksPerDocument;
    private int _slices;
    private int _lastDocuments;
    private long _lastTicks;
    private int _slowCount;
    private bool _above;

    /// <summary>True when the last slice's round trips took <see cref="SlowDatabase"/> or longer.</summary>
    public bool DatabaseSlow { get; private set; }

    /// <summary>The fixed part of the last slice: its time less what its documents explain.</summary>
    public TimeSpan LastFixedCost { get; private set; }

    public int NextCount()
    {
        if (_slices < 2)
        {
            return _slices == 0 ? FirstCount : SecondCount;
        }

        _above = !_above;
        var aim = Math.Clamp(budget.Ticks / _ticksPerDocument, 1, MaxDocuments);
        var count = (int)Math.Clamp(Math.Round(aim * (_above ? 1.25 : 0.75)), 1, MaxDocuments);
        return DatabaseSlow ? Math.Max(count, (int)Math.Max(1, _slowCount * (_above ? 1 : 0.75))) : count;
    }

    /// <summary>A slice of <paramref name="documents"/> took <paramref name="elapsed"/>, its database work included.</summary>
    public void Record(int documents, TimeSpan elapsed)
    {
        if (documents == 0)
        {
            return;
        }

        var ticks = Math.Max(1, elapsed.Ticks);
        if (_slices == 0)
        {
            // One slice alone cannot tell round trips from documents: all of it is an upper bound per document.
            _ticksPerDocument = ticks / (double)documents;
        }

        var slowBefore = DatabaseSlow;
        if (_slices > 0 && documents != _lastDocuments)
        {
            LearnSlope((ticks - _lastTicks) / (double)(documents - _lastDocuments));
        }

        LastFixedCost = TimeSpan.FromTicks((long)Math.Max(0, ticks - (documents * Cheapest())));
        DatabaseSlow = LastFixedCost >= SlowDatabase;
        if (DatabaseSlow)
        {
            _slowCount = slowBefore && ticks <= 1.5 * _lastTicks
                ? Math.Min(MaxDocuments, 2 * Math.Max(documents, _slowCount))
                : Math.Max(documents, _slowCount);
        }
        else
        {
            _slowCount = 0;
        }

        _slices++;
        _lastDocuments = documents;
        _lastTicks = ticks;
    }

    private void LearnSlope(double slope)
    {
        _slopes.Enqueue(slope);
        if (_slopes.Count > Slopes)
        {
            _slopes.Dequeue();
        }

        var median = Median(_slopes);

        // Documents whose cost does not show against the round trips' jitter are cheap: larger slices pay.
        _ticksPerDocument = median > 0 ? median : _ticksPerDocument > 0 ? _ticksPerDocument / 4 : budget.Ticks / (double)MaxDocuments;
    }

    /// <summary>The smallest positive cost per document of the last slopes: what the documents of a slice at least cost.</summary>
    private double Cheapest() => _slopes.Where(slope => slope > 0).DefaultIfEmpty(_ticksPerDocument).Min();

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
