namespace OrleansTasks.Testing.Faults;

/// <summary>
/// The faults a test wants injected into one silo, and what the silo's storage saw. The decorators
/// (<see cref="FaultyGrainStorage"/>, <see cref="FaultyReminderRegistry"/>, <see cref="FaultyDocumentIndex"/>,
/// <see cref="FaultyTaskHistory"/>, <see cref="FaultySourceFiles"/>) ask it before each call. Each rule names its target, how many
/// matching calls to let through first, and how many to fail after that.
/// </summary>
public sealed class FaultPlan : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<FaultRule> _rules = [];
    private readonly Dictionary<GrainId, int> _writes = [];
    private readonly Dictionary<string, TimeSpan> _indexPaces = [];
    private readonly CancellationTokenSource _pacesLifted = new();

    /// <summary>
    /// Fails writes of <paramref name="grain"/>'s state: after <paramref name="skip"/> more writes
    /// succeed, the next <paramref name="times"/> fail. With <paramref name="reachStorage"/> the write
    /// is stored first and only its acknowledgement is lost, as when a connection drops after the commit.
    /// Only writes whose new state satisfies <paramref name="when"/> count, when it is given.
    /// </summary>
    public FaultRule FailWrites(GrainId grain, int skip = 0, int times = 1, bool reachStorage = false, Func<object?, bool>? when = null) =>
        Add(new FaultRule(FaultKind.Write, id => id == grain, skip, times, reachStorage, when));

    /// <summary>Fails writes of every grain of <paramref name="grainType"/> (such as <c>index-task</c>), counted across them.</summary>
    public FaultRule FailWritesOfType(string grainType, int skip = 0, int times = 1, bool reachStorage = false, Func<object?, bool>? when = null) =>
        Add(new FaultRule(FaultKind.Write, id => id.Type.ToString() == grainType, skip, times, reachStorage, when));

    /// <summary>Fails the removal of <paramref name="grain"/>'s state from storage (before it reaches storage).</summary>
    public FaultRule FailClears(GrainId grain, int skip = 0, int times = 1) =>
        Add(new FaultRule(FaultKind.Clear, id => id == grain, skip, times, false));

    /// <summary>
    /// Fails reads of the record <paramref name="grain"/> names in task storage (a task's state, or one
    /// of its document or result chunks), as a dropped connection would.
    /// </summary>
    public FaultRule FailReads(GrainId grain, int skip = 0, int times = 1) =>
        Add(new FaultRule(FaultKind.Read, id => id == grain, skip, times, false));

    /// <summary>Fails reminder registrations and removals of <paramref name="grain"/>.</summary>
    public FaultRule FailReminders(GrainId grain, int skip = 0, int times = 1) =>
        Add(new FaultRule(FaultKind.Reminder, id => id == grain, skip, times, false));

    /// <summary>Fails index writes into <paramref name="collection"/> with a transient error (a timeout).</summary>
    public FaultRule FailIndex(string collection, int skip = 0, int times = 1) =>
        Add(new FaultRule(FaultKind.Index, id => id.Key.ToString() == collection, skip, times, false));

    /// <summary>Refuses index writes into <paramref name="collection"/> for good (not a transient error), which fails the task.</summary>
    public FaultRule RefuseIndex(string collection, int skip = 0, int times = 1) =>
        Add(new FaultRule(FaultKind.IndexRefusal, id => id.Key.ToString() == collection, skip, times, false));

    /// <summary>
    /// Fails reads of the source files named <paramref name="fileName"/> with an I/O error, as a failing disk or
    /// network share does: a whole file's read, or a JSON-lines file's reads from byte <paramref name="fromOffset"/> on.
    /// A read that starts before that byte stops at it, so that every reader fails there, wherever it started reading
    /// (with <paramref name="skip"/>, the reads let through past the byte are not capped, so readers may pass it unequally).
    /// </summary>
    public FaultRule FailSourceReads(string fileName, int skip = 0, int times = 1, long fromOffset = 0) =>
        Add(new FaultRule(FaultKind.SourceRead, id => id.Key.ToString() == fileName, skip, times, false, offset => (long)offset! >= fromOffset)
        {
            ReadsFailFrom = fromOffset,
        });

    /// <summary>The nearest byte after <paramref name="offset"/> from which a rule still to fail fails reads of <paramref name="fileName"/>; null when none does.</summary>
    internal long? NextSourceReadFault(string fileName, long offset)
    {
        var target = GrainId.Create("source", fileName);
        lock (_lock)
        {
            return _rules
                .Where(rule => rule.Kind == FaultKind.SourceRead && rule.Remaining > 0 && rule.ReadsFailFrom > offset && rule.Matches(target))
                .Min(rule => rule.ReadsFailFrom);
        }
    }

    /// <summary>
    /// Fails listings of the source directories named <paramref name="directoryName"/> (the last segment of their path) with an
    /// I/O error, as a network share failing for now does; <c>times: int.MaxValue</c> fails them always. With
    /// <paramref name="onceRead"/>, only the listings after a read of a source file of that name (made after the rule was added)
    /// count: a source's counting pass reads no whole file, so such a rule fails its reading's listings, never its count's.
    /// </summary>
    public FaultRule FailSourceListings(string directoryName, int skip = 0, int times = 1, string? onceRead = null) =>
        Add(new FaultRule(FaultKind.SourceList, id => id.Key.ToString() == directoryName, skip, times, false) { ArmedByRead = onceRead });

    /// <summary>Makes the source files named <paramref name="fileName"/> missing when they are read, as files deleted after the walk listed them.</summary>
    public FaultRule LoseSourceFiles(string fileName, int skip = 0, int times = 1) =>
        Add(new FaultRule(FaultKind.SourceLost, id => id.Key.ToString() == fileName, skip, times, false));

    /// <summary>Fails the history rows of <paramref name="taskId"/>.</summary>
    public FaultRule FailHistory(Guid taskId, int skip = 0, int times = 1) =>
        Add(new FaultRule(FaultKind.History, id => id.Key.ToString() == taskId.ToString("N"), skip, times, false));

    /// <summary>Fails publications on <paramref name="stream"/> (the publisher's <c>OnNextAsync</c> throws).</summary>
    public FaultRule FailPublishes(StreamId stream, int skip = 0, int times = 1) =>
        Add(new FaultRule(FaultKind.Publish, id => id == StreamTarget(stream), skip, times, false));

    /// <summary>How many writes of <paramref name="grain"/>'s state reached storage.</summary>
    public int StoredWrites(GrainId grain)
    {
        lock (_lock)
        {
            return _writes.GetValueOrDefault(grain);
        }
    }

    internal Fault OnWrite(GrainId grain, object? state) => Next(FaultKind.Write, grain, state);

    internal void Stored(GrainId grain)
    {
        lock (_lock)
        {
            _writes[grain] = _writes.GetValueOrDefault(grain) + 1;
        }
    }

    /// <summary>
    /// Makes every document written into <paramref name="collection"/> take at least <paramref name="delay"/>
    /// (a write of n documents n times that), so that a task streams progress for as long as a test needs
    /// whatever its slices' size: a pace per write would be a round trip's latency, which larger slices beat.
    /// </summary>
    public void PaceIndex(string collection, TimeSpan delay)
    {
        lock (_lock)
        {
            _indexPaces[collection] = delay;
        }
    }

    /// <summary>
    /// Ends every pace, also the waits of writes already paced, so that a silo with many paced tasks
    /// can stop within its shutdown timeout (a slice waits out its pace before its checkpoint).
    /// </summary>
    public void LiftPaces()
    {
        lock (_lock)
        {
            _indexPaces.Clear();
        }

        _pacesLifted.Cancel();
    }

    public void Dispose() => _pacesLifted.Dispose();

    /// <summary>Cancelled once <see cref="LiftPaces"/> is called.</summary>
    internal CancellationToken PacesLifted => _pacesLifted.Token;

    internal TimeSpan IndexPace(string collection)
    {
        lock (_lock)
        {
            return _indexPaces.GetValueOrDefault(collection);
        }
    }

    internal Fault OnClear(GrainId grain) => Next(FaultKind.Clear, grain);

    internal Fault OnRead(GrainId grain) => Next(FaultKind.Read, grain);

    internal Fault OnReminder(GrainId grain) => Next(FaultKind.Reminder, grain);

    internal Fault OnIndex(string collection) => Next(FaultKind.Index, GrainId.Create("index", collection));

    internal Fault OnIndexRefusal(string collection) => Next(FaultKind.IndexRefusal, GrainId.Create("index", collection));

    internal Fault OnSourceRead(string fileName, long offset)
    {
        lock (_lock)
        {
            foreach (var rule in _rules.Where(rule => rule.ArmedByRead == fileName))
            {
                rule.Armed = true;
            }
        }

        return Next(FaultKind.SourceRead, GrainId.Create("source", fileName), offset);
    }

    internal Fault OnSourceList(string directoryName) => Next(FaultKind.SourceList, GrainId.Create("source-directory", directoryName));

    internal Fault OnSourceLost(string fileName) => Next(FaultKind.SourceLost, GrainId.Create("source", fileName));

    internal Fault OnHistory(Guid taskId) => Next(FaultKind.History, GrainId.Create("history", taskId.ToString("N")));

    internal Fault OnPublish(StreamId stream) => Next(FaultKind.Publish, StreamTarget(stream));

    private static GrainId StreamTarget(StreamId stream) => GrainId.Create("stream", stream.ToString());

    private FaultRule Add(FaultRule rule)
    {
        lock (_lock)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    private Fault Next(FaultKind kind, GrainId target, object? state = null)
    {
        lock (_lock)
        {
            foreach (var rule in _rules)
            {
                if (rule.Kind != kind || rule.Remaining == 0 || (rule.ArmedByRead is not null && !rule.Armed) || !rule.Matches(target) || rule.When?.Invoke(state) == false)
                {
                    continue;
                }

                if (rule.Skip > 0)
                {
                    rule.Skip--;
                    continue;
                }

                rule.Remaining--;
                rule.Injected++;
                return rule.ReachStorage ? Fault.LostAcknowledgement : Fault.Fail;
            }

            return Fault.None;
        }
    }

    /// <summary>The exception an injected fault throws: a timeout, which callers take as transient.</summary>
    internal static TimeoutException Injected(string what) => new($"Injected fault: {what}");

    /// <summary>The exception an injected refusal throws: one no wait cures.</summary>
    internal static InvalidOperationException Refused(string what) => new($"Injected refusal: {what}");

}

internal enum FaultKind
{
    Write,
    Read,
    Clear,
    Reminder,
    Index,
    IndexRefusal,
    History,
    Publish,
    SourceRead,
    SourceLost,
    SourceList,
}

/// <summary>One rule of a <see cref="FaultPlan"/>: which calls it fails, and how many it has failed so far.</summary>
public sealed class FaultRule
{
    internal FaultRule(FaultKind kind, Func<GrainId, bool> matches, int skip, int times, bool reachStorage, Func<object?, bool>? when = null)
    {
        When = when;
        Kind = kind;
        Matches = matches;
        Skip = skip;
        Remaining = times;
        ReachStorage = reachStorage;
    }

    internal FaultKind Kind { get; }

    internal Func<GrainId, bool> Matches { get; }

    internal bool ReachStorage { get; }

    internal Func<object?, bool>? When { get; }

    /// <summary>The name of the source file whose read arms the rule: until then it fails nothing (null: armed from the start).</summary>
    internal string? ArmedByRead { get; init; }

    internal bool Armed { get; set; }

    /// <summary>The byte from which a source read rule fails reads (null for other rules).</summary>
    internal long? ReadsFailFrom { get; init; }

    internal int Skip { get; set; }

    internal int Remaining { get; set; }

    /// <summary>How many calls this rule has failed.</summary>
    public int Injected { get; internal set; }

    /// <summary>True once every failure the rule asked for has been injected.</summary>
    public bool Done => Remaining == 0;

    /// <summary>Injects nothing more: the fault has passed.</summary>
    public void Stop() => Remaining = 0;
}

internal enum Fault
{
    None,
    Fail,
    LostAcknowledgement,
}
