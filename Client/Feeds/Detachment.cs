namespace OrleansTasks.Feeds;

/// <summary>What a registry hands a listener: disposing it detaches the listener, once however often disposed.</summary>
internal sealed class Detachment(Action detach) : IAsyncDisposable
{
    private int _disposed;

    /// <summary>This detachment once <paramref name="subscribed"/> completes; if the subscription fails, the listener is detached and the failure thrown.</summary>
    public async Task<IAsyncDisposable> OnceSubscribedAsync(Task subscribed)
    {
        try
        {
            await subscribed;
            return this;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            detach();
        }

        return ValueTask.CompletedTask;
    }
}
