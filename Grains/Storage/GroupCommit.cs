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
    private readonly int _maxGroup;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;

    /// <param name="write">Writes one group; the items are in the order they were added.</param>
    /// <param name="maxGroup">The most items one write takes.</param>
    public GroupCommit(Func<IReadOnlyList<T>, CancellationToken, Task> write, int maxGroup)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGroup, 1);
        _write = write;
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
            await _stopping.CancelAsync();
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

            try
            {
                await _write([.. group.Select(pending => pending.Item)], _stopping.Token);
                group.ForEach(pending => pending.Written.TrySetResult());
            }
            catch (Exception exception)
            {
                group.ForEach(pending => pending.Written.TrySetException(exception));
            }

            group.Clear();
        }
    }

    private sealed record Pending(T Item, TaskCompletionSource Written);
}
