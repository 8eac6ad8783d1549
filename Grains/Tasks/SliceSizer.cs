namespace OrleansTasks.Tasks;

/// <summary>
/// Sizes a task's next slice (the documents indexed in one grain turn) from the speed of the last
/// ones, so that one slice takes about <see cref="TasksOptions.SliceBudget"/>.
/// </summary>
public sealed class SliceSizer(TimeSpan budget)
{
    public const int MaxDocuments = 2000;

    /// <summary>The most content one slice carries, unless a single document is larger.</summary>
    public const long MaxContentChars = 4L * 1024 * 1024;

    private const int FirstCount = 16;

    private double _ticksPerDocument;

    public int NextCount()
    {
        if (_ticksPerDocument <= 0)
        {
            return FirstCount;
        }

        return (int)Math.Clamp(budget.Ticks / _ticksPerDocument, 1, MaxDocuments);
    }

    public void Record(int documents, TimeSpan elapsed)
    {
        if (documents == 0)
        {
            return;
        }

        var sample = Math.Max(1, elapsed.Ticks) / (double)documents;
        _ticksPerDocument = _ticksPerDocument <= 0 ? sample : (0.5 * _ticksPerDocument) + (0.5 * sample);
    }
}
