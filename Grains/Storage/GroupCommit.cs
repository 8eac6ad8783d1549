using System.Threading.Channels;

namespace OrleansTasks.Storage;

/// <summary>
/// Writes items in groups, one write at a time: an item added while no write runs is written at
/// once, and the items added while a write runs go together in the next one. Under load many
/// callers share a round trip; alone, none waits for company. Each caller's task completes when
/// the write holding its item has succeeded, or fails with that write's exception.
/// </summary>
public sealed class GroupCommit<T> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<T>, CancellationToken, Task> _write;
    private readonly Func<Exception, bool> _retryAlone;
    private readonly int _maxGroup;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;

    /// <param name="write">Writes one group; the items are in the order they were added.</param>
    /// <param name="maxGroup">The most items one write takes.</param>
    /// <param name="retryAlone">
    /// Whether a group whose write failed with this exception is written again item by item, so
    /// that an item the store refuses fails alone (not for failures that every item would meet).
    /// </param>
    public GroupCommit(Func<IReadOnlyList<T>, CancellationToken, Task> write, int maxGroup, Func<Exception, bool> retryAlone)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGroup, 1);
        _write = write;
        _retryAlone = retryAlone;
        _maxGroup = maxGroup;
        _writer = Task.Run(WriteGroupsAsync);
    }

    /// <summary>Completes once <paramref name="item"/> has been written.</summary>
    public Task AddAsync(T item, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(item, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);

        return pending.Written.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes what was added before, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writer.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // The store does not answer: the write in flight is abandoned, and what is left fails.
            await _stopping.CancelAsync();
            await _writer.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _stopping.Dispose();
    }

    private async Task WriteGroupsAsync()
    {
        var group = new List<Pending>(_maxGroup);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (group.Count < _maxGroup && _queue.Reader.TryRead(out var pending))
            {
                group.Add(pending);
            }

            var failure = await TryWriteAsync(group);
            if (failure is not null && group.Count > 1 && _retryAlone(failure))
            {
                foreach (var pending in group)
                {
                    await TryWriteAsync([pending]);
                }
            }
            else if (failure is not null)
            {
                group.ForEach(pending => pending.Written.TrySetException(failure));
            }

            group.Clear();
        }
    }

    /// <summary>Writes <paramref name="group"/>; on success its callers are told, on failure the exception is returned.</summary>
    private async Task<Exception?> TryWriteAsync(List<Pending> group)
    {
        try
        {
            await _write([.. group.Select(pending => pending.Item)], _stopping.Token);
            group.ForEach(pending => pending.Written.TrySetResult());
            return null;
        }
        catch (Exception exception)
        {
            if (group.Count == 1)
            {
                group[0].Written.TrySetException(exception);
            }

            return exception;
        }
    }

    private sealed record Pending(T Item, TaskCompletionSource Written);
}
