namespace OrleansTasks.Tasks;

/// <summary>Sizes the next batch from the speed of the last ones so that one batch takes about the budget.</summary>
internal sealed class BatchSizer(TimeSpan budget)
{
    private const int MaxDocuments = 2000;
    public const long MaxContentChars = 4L * 1024 * 1024;

    private double _ticksPerDocument;

    public int NextCount()
    {
        if (_ticksPerDocument <= 0)
        {
            return 16;
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
