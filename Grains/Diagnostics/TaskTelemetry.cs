using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansTasks.Tasks;

namespace OrleansTasks.Diagnostics;

/// <summary>
/// The silo's own instruments (meter <see cref="MeterName"/>) and its activity source
/// (<see cref="ActivitySourceName"/>): tasks by status, queue length, task durations, documents
/// indexed, tasks moved to another silo's slot, and a span per indexed slice.
/// </summary>
public sealed class TaskTelemetry
{
    public const string MeterName = "OrleansTasks.Tasks";
    public const string ActivitySourceName = "OrleansTasks.Indexing";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    private readonly Counter<long> _ended;
    private readonly Counter<long> _started;
    private readonly Counter<long> _documents;
    private readonly Counter<long> _moved;
    private readonly Histogram<double> _duration;

    public TaskTelemetry(IMeterFactory meters, TaskAdmission admission)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(admission);
        var meter = meters.Create(MeterName);
        _started = meter.CreateCounter<long>("orleans_tasks.tasks.accepted", description: "Tasks accepted by this silo");
        _ended = meter.CreateCounter<long>("orleans_tasks.tasks.ended", description: "Tasks ended on this silo, by status, and a failed task's error code");
        _documents = meter.CreateCounter<long>("orleans_tasks.documents.processed", description: "Documents processed on this silo, by outcome");
        _moved = meter.CreateCounter<long>("orleans_tasks.tasks.moved", description: "Tasks moved from this silo to another's free admission slot");
        _duration = meter.CreateHistogram<double>("orleans_tasks.task.duration", unit: "s", description: "From acceptance to the end, by status");
        meter.CreateObservableGauge("orleans_tasks.tasks.running", () => admission.Running, description: "Tasks indexing on this silo now");
        meter.CreateObservableGauge("orleans_tasks.tasks.queued", () => admission.Queued, description: "Tasks waiting for a slot on this silo");
    }

    public void Accepted() => _started.Add(1);

    public void Moved() => _moved.Add(1);

    /// <param name="code">A failed task's <c>error.code</c> (<c>timeout</c>, <c>retries_exhausted</c>, …): the ended count is tagged with it too.</param>
    public void Ended(IndexTaskStatus status, TimeSpan sinceAccepted, string? code = null)
    {
        var tag = new KeyValuePair<string, object?>("status", status.ToWireName());
        if (code is null)
        {
            _ended.Add(1, tag);
        }
        else
        {
            _ended.Add(1, tag, new KeyValuePair<string, object?>("code", code));
        }

        _duration.Record(sinceAccepted.TotalSeconds, tag);
    }

    public void Processed(TaskCounts slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        _documents.Add(slice.Indexed, new KeyValuePair<string, object?>("outcome", "indexed"));
        _documents.Add(slice.Unchanged, new KeyValuePair<string, object?>("outcome", "unchanged"));
        _documents.Add(slice.Failed, new KeyValuePair<string, object?>("outcome", "failed"));
    }
}
