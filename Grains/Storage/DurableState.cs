using Orleans.Serialization;
using Orleans.Storage;

namespace OrleansTasks.Storage;

/// <summary>
/// The one commit path of every grain with persisted state. A change is computed on a copy of the
/// current state, the copy is persisted, and only then does it become current: a write that fails
/// leaves the grain's state as it was before the change, so nothing is ever undone by hand.
/// <para>
/// A write that fails retires the activation. Refused as stale, it proves that storage holds
/// something newer; failed otherwise (a timeout, a lost connection), it may still have reached the
/// database without its acknowledgement reaching us. Either way memory can no longer be trusted to
/// be what storage holds, so the activation writes nothing more, is deactivated, and the next
/// activation starts from what storage holds. Grains publish nothing from memory once retired, but
/// for what no failed write can have stored (a task's "waiting for the database" after a failed
/// checkpoint, which keeps its seq).
/// </para>
/// </summary>
public sealed class DurableState<TState>(IPersistentState<TState> storage, DeepCopier copier, Action deactivate)
    where TState : class
{
    /// <summary>The state as last persisted, plus whatever the grain keeps in memory between writes.</summary>
    public TState Current => storage.State;

    /// <summary>True once a write has failed: the activation must neither write nor publish, and is being deactivated.</summary>
    public bool IsRetired { get; private set; }

    /// <summary>Successful writes so far: a caller compares it to tell whether a write happened meanwhile.</summary>
    public long Writes { get; private set; }

    /// <summary>A deep copy of the current state, for a change to be computed on.</summary>
    public TState Copy() => copier.Copy(storage.State);

    /// <summary>Applies <paramref name="change"/> to a copy, persists it, and makes it current; returns it.</summary>
    public async Task<TState> CommitAsync(Action<TState> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var next = Copy();
        change(next);
        await WriteAsync(next);
        return next;
    }

    /// <summary>
    /// Retires the activation without a write of its own having failed: storage showed otherwise
    /// that a newer activation owns the grain (a record of it refused as stale).
    /// </summary>
    public void Retire()
    {
        if (!IsRetired)
        {
            IsRetired = true;
            deactivate();
        }
    }

    /// <summary>Persists <paramref name="next"/> and makes it current; on failure the current state stays and the activation retires.</summary>
    public async Task WriteAsync(TState next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (IsRetired)
        {
            throw new InconsistentStateException("This activation no longer trusts its state; it is being deactivated so that the next one reads storage.");
        }

        var current = storage.State;
        storage.State = next;
        try
        {
            await storage.WriteStateAsync();
            Writes++;
        }
        catch
        {
            storage.State = current;
            IsRetired = true;
            deactivate();
            throw;
        }
    }

    /// <summary>
    /// Forgets what memory gained since the last write: <paramref name="earlier"/> is a copy taken
    /// after that write, so nothing persisted is undone.
    /// </summary>
    public void Restore(TState earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        storage.State = earlier;
    }

    /// <summary>Removes the state from storage; memory becomes <paramref name="empty"/> only once that succeeded, and a failure retires the activation.</summary>
    public async Task ClearAsync(TState empty)
    {
        if (IsRetired)
        {
            throw new InconsistentStateException("This activation no longer trusts its state; it is being deactivated so that the next one reads storage.");
        }

        try
        {
            await storage.ClearStateAsync();
        }
        catch
        {
            IsRetired = true;
            deactivate();
            throw;
        }

        storage.State = empty;
    }
}
