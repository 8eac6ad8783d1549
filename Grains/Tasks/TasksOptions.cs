using System.ComponentModel.DataAnnotations;
using OrleansTasks.Hosting;

namespace OrleansTasks.Tasks;

/// <summary>Limits and pacing of index tasks, bound from the <c>Tasks</c> configuration section.</summary>
public sealed class TasksOptions
{
    public const string SectionName = "Tasks";

    /// <summary>
    /// Checks the ranges while the host is built, before Orleans starts logging: a value out of range
    /// stops the start with one line naming the setting (a <see cref="StartupException"/>).
    /// </summary>
    public void CheckAtStart()
    {
        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), problems, validateAllProperties: true))
        {
            throw new StartupException($"{SectionName}: {string.Join(" ", problems.Select(p => p.ErrorMessage))}");
        }

        if (SourceRoots.FirstOrDefault(root => !Path.IsPathFullyQualified(root)) is { } relative)
        {
            throw new StartupException($"{SectionName}:SourceRoots: '{relative}' is not an absolute path; source roots must be absolute.");
        }

        foreach (var root in SourceRoots)
        {
            try
            {
                SourcePathResolver.RealPath(root);
            }
            catch (SymbolicLinkLoopException loop)
            {
                throw new StartupException($"{SectionName}:SourceRoots: {loop.Message}");
            }

            try
            {
                Sources.SourceFileKind.NotRegular(root);
            }
            catch (Exception missing) when (missing is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
            {
                throw new StartupException(
                    $"{SectionName}:SourceRoots: directory sources look up each file's kind through Mono.Unix, whose native library could not be loaded here ({missing.GetBaseException().Message}).");
            }
        }

        if (IndexDirectory.Length > 0 && !Path.IsPathFullyQualified(IndexDirectory))
        {
            throw new StartupException($"{SectionName}:IndexDirectory: '{IndexDirectory}' is not an absolute path; the index directory must be absolute.");
        }
    }

    /// <summary>The most documents a task given in the request (inline) holds.</summary>
    [Range(1, 1_000_000)]
    public int MaxDocuments { get; set; } = 10_000;

    /// <summary>The most documents a task reading a directory source (files or JSON lines) reads; its only document limit.</summary>
    [Range(1, 1_000_000_000)]
    public int MaxSourceDocuments { get; set; } = 100_000_000;

    [Range(1, int.MaxValue)]
    public int MaxDocumentBytes { get; set; } = 1024 * 1024;

    [Range(1, long.MaxValue)]
    public long MaxRequestBytes { get; set; } = 32L * 1024 * 1024;

    [Range(1, 100_000)]
    public int MaxBatchTasks { get; set; } = 1_000;

    [Range(1, 10_000_000)]
    public long MaxBatchDocuments { get; set; } = 100_000;

    /// <summary>The largest body <c>POST /api/uploads</c> takes.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Where uploads are kept when the cluster has no database; empty: <c>orleanstasks-uploads</c> in the temporary directory.</summary>
    public string UploadDirectory { get; set; } = "";

    /// <summary>
    /// Where embedded mode keeps its Lucene index on disk, kept across restarts; empty: in memory, lost at a
    /// restart (a corpus then has to fit in memory twice over: the index and its stored text).
    /// </summary>
    public string IndexDirectory { get; set; } = "";

    /// <summary>Directories that directory sources may read from; empty turns directory sources off.</summary>
    public List<string> SourceRoots { get; set; } = [];

    /// <summary>At most this many progress events per task and second; the last is always sent.</summary>
    [Range(1, 1000)]
    public int ProgressEventsPerSecond { get; set; } = 10;

    /// <summary>At most this many progress changes per task and second on the per-owner feeds (lists); status changes always go.</summary>
    [Range(1, 100)]
    public int FeedProgressPerSecond { get; set; } = 2;

    /// <summary>How often a running task persists its progress; status changes are persisted at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether a small task (see <see cref="TaskDocuments.FitInline"/>) keeps its documents and
    /// results in its own state rather than in chunks. Silos of a release without this read such a
    /// task as one whose documents are missing: during a rolling upgrade from one, keep it off on
    /// the new silos until no old silo is left.
    /// </summary>
    public bool InlineSmallTasks { get; set; } = true;

    /// <summary>
    /// How many tasks index at once on one silo; the others wait as <c>pending</c> in the cluster's admission queue.
    /// Two per core, at least four: a small task spends much of its run waiting on the database and on the hand-over of
    /// its slot through the queue, and with one per core the processors sat a fifth idle (BENCHMARKS.md, "Slots").
    /// </summary>
    [Range(1, 10_000)]
    public int MaxRunningPerSilo { get; set; } = DefaultMaxRunningPerSilo(Environment.ProcessorCount);

    /// <summary>The default of <see cref="MaxRunningPerSilo"/> on a machine of <paramref name="processors"/> cores.</summary>
    public static int DefaultMaxRunningPerSilo(int processors) => Math.Max(4, 2 * processors);

    /// <summary>
    /// Cluster mode: the most index connections one task's slice writes on at once. A slice of at least twice
    /// <see cref="Indexing.SliceParts.MinDocuments"/> documents is cut into up to that many parts, each one statement on a
    /// connection of its own from the index pool, so that a large task keeps more than one database process busy.
    /// Beyond its first, a slice takes only connections free now of the half of the index pool the silo's slices share
    /// (<see cref="Indexing.ExtraIndexConnections"/>). 1 writes every slice as one statement; embedded mode's index has
    /// one writer and ignores it.
    /// </summary>
    [Range(1, Indexing.SliceParts.MaxParts)]
    public int IndexConnectionsPerTask { get; set; } = 2;

    /// <summary>How many of one owner's tasks may be <c>processing</c> at once in the whole cluster; 0 for no limit.</summary>
    [Range(0, 1_000_000)]
    public int MaxRunningPerUser { get; set; }

    /// <summary>A task waiting for a slot rises one priority level each time this much has passed, so low priority never starves.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PriorityAgeing { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The period of the reminder a task holds while it has not ended: if its silo dies, the
    /// reminder reactivates it elsewhere within about this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeasePeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a batch whose creation failed midway waits for its retry (the same Idempotency-Key)
    /// before its lease abandons it, cancelling the tasks it had started.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CreationRetryWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a pulling agent keeps a task's event stream cached without events.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StreamInactivityPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Ended tasks, their results and history are purged this many days after they end.</summary>
    [Range(1, 36_500)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>How often the retention job looks for tasks to purge.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan RetentionSweepPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How many <c>seq</c> values a task or batch may publish from memory between two writes: each
    /// write reserves the next block, and an activation that resumes continues above it.
    /// </summary>
    [Range(2, 1_000_000)]
    public int SeqReservation { get; set; } = 1000;

    /// <summary>How a slice that failed transiently is retried when a task does not say (<c>Tasks:Retry:*</c>).</summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>How long a task may run after its start before it fails with <c>timeout</c>, when it gives no <c>timeout</c>; null: no limit.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan? DefaultTimeout { get; set; }

    /// <summary>The work one slice (one grain turn of a task's run) does before letting other calls in.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:01")]
    public TimeSpan SliceBudget { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// A round trip to the database this long or longer counts as a slow database (see
    /// <see cref="Storage.DatabaseRoundTrips"/>): a task's slices then grow past <see cref="SliceBudget"/>
    /// rather than shrink, its message says that it waits for the database, and a task that starts
    /// meanwhile begins at the slice size the silo's other tasks asked for (<see cref="SlowDatabaseSlices"/>).
    /// A healthy database nearby answers in a millisecond or two.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan SlowDatabaseRoundTrip { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The <see cref="SliceBudget"/> of a task that reads a streaming source (a directory or an upload).
    /// Its slices carry the fixed cost of a turn (the source's read, a result chunk's write, the grain
    /// call to the next slice) however few documents they hold, and a corpus has millions of them:
    /// longer slices keep that cost small, while a snapshot or a cancel still waits at most one slice.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:01")]
    public TimeSpan SourceSliceBudget { get; set; } = TimeSpan.FromMilliseconds(250);
}
