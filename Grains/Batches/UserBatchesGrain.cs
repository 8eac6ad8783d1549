using System.Globalization;

namespace OrleansTasks.Batches;

[GenerateSerializer, Alias("OrleansTasks.Batches.UserBatchesState")]
public sealed class UserBatchesState
{
    /// <summary>Oldest first; appended to as batches are created.</summary>
    [Id(0)] public List<BatchEntry> Batches { get; set; } = [];
}

[GenerateSerializer, Immutable, Alias("OrleansTasks.Batches.BatchEntry")]
public sealed record BatchEntry([property: Id(0)] Guid BatchId, [property: Id(1)] DateTimeOffset CreatedAt);

/// <summary>One user's batches; see <see cref="IUserBatchesGrain"/>. The cursor is the position counted from the oldest batch, which new batches do not move.</summary>
[GrainType("user-batches")]
public sealed class UserBatchesGrain(
    [PersistentState("batches", StorageNames.Tasks)] IPersistentState<UserBatchesState> state) : Grain, IUserBatchesGrain
{
    public const int MaxPageSize = 200;

    public async Task Add(Guid batchId, DateTimeOffset createdAt)
    {
        if (state.State.Batches.Exists(entry => entry.BatchId == batchId))
        {
            return;
        }

        state.State.Batches.Add(new BatchEntry(batchId, createdAt));
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Batches.RemoveAt(state.State.Batches.Count - 1);
            throw;
        }
    }

    public Task<BatchPage> List(string? cursor, int limit)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw new InvalidTaskRequestException("limit", $"'limit' must be between 1 and {MaxPageSize}.");
        }

        var batches = state.State.Batches;
        var end = batches.Count;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end > batches.Count)
            {
                throw new InvalidTaskRequestException("cursor", "The cursor is not one this list gave out.");
            }
        }

        var start = Math.Max(0, end - limit);
        var ids = Enumerable.Range(start, end - start).Reverse().Select(i => batches[i].BatchId).ToArray();
        var next = start > 0 ? start.ToString(CultureInfo.InvariantCulture) : null;
        return Task.FromResult(new BatchPage([.. ids], next));
    }
}
