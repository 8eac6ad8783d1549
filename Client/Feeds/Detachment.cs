namespace OrleansTasks.Feeds;

/// <summary>What a registry hands a listener: disposing it detaches the listener, once however often disposed.</summary>
internal sealed class Detachment(Action detach) : IAsyncDisposable
{
    private int _disposed;

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            detach();
        }

        return ValueTask.CompletedTask;
    }
}
