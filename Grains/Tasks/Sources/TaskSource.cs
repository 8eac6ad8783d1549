namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// What a streaming task keeps of its source in its state: the source itself, how far its counting
/// pass and its reading have got, never a document. Written with each checkpoint, together with the
/// task's <c>current</c>, so that a resumed run counts and reads on exactly where the last checkpoint
/// left off.
/// </summary>
[GenerateSerializer, Alias("OrleansTasks.Tasks.Sources.TaskSource")]
public sealed class TaskSource
{
    /// <summary>The directory source read; empty for an upload.</summary>
    [Id(0)] public DirectorySource Spec { get; set; } = new("", "");

    /// <summary>Where reading goes on; null before the first document.</summary>
    [Id(1)] public SourcePosition? Position { get; set; }

    /// <summary>Whether reading has reached the end of the source.</summary>
    [Id(2)] public bool Ended { get; set; }

    /// <summary>Whether the counting pass is over (the task's <c>total</c> is then set).</summary>
    [Id(3)] public bool Counted { get; set; }

    /// <summary>Documents counted so far by an unfinished counting pass.</summary>
    [Id(4)] public long CountedSoFar { get; set; }

    /// <summary>Where an unfinished counting pass goes on; null at its start.</summary>
    [Id(5)] public SourcePosition? CountPosition { get; set; }

    /// <summary>The upload read in place of a directory; it is counted when the task is accepted (its stored lines).</summary>
    [Id(6)] public Guid? Upload { get; set; }

    /// <summary>Whether the documents of the collection this source no longer holds are removed once it has all been read.</summary>
    [Id(7)] public bool DeleteMissing { get; set; }

    /// <summary>How many documents that removal has taken out so far; null until it has started.</summary>
    [Id(8)] public long? Deleted { get; set; }

    /// <summary>Why this pass removes nothing (the source was not read whole, or held nothing); null while it may remove.</summary>
    [Id(9)] public string? DeleteSkipped { get; set; }

    /// <summary>Whether the removal is over: it went through the whole collection, or was skipped.</summary>
    [Id(10)] public bool RemovalDone { get; set; }

    /// <summary>
    /// The directories the counting pass gave up listing at its last attempt (their paths within the source), counted as one
    /// failed entry each: the reading lists each once more but does not retry it, so that one failing directory does not use
    /// the task's retry policy twice. Null while there are none.
    /// </summary>
    [Id(11)] public List<string>? CountGaveUp { get; set; }

    /// <summary>Whether a removal step is due before the task completes: asked for, the source read to its end, not over yet.</summary>
    public bool RemovalDue => DeleteMissing && Counted && Ended && !RemovalDone;
}
