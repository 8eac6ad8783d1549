using System.Globalization;
using Orleans.Serialization;
using OrleansTasks.Storage;

namespace OrleansTasks.Users;

[GenerateSerializer, Alias("OrleansTasks.Users.UserListState")]
public sealed class UserListState
{
    /// <summary>Oldest first.</summary>
    [Id(0)] public List<UserListEntry> Entries { get; set; } = [];
}

[GenerateSerializer, Immutable, Alias("OrleansTasks.Users.UserListEntry")]
public sealed record UserListEntry([property: Id(0)] Guid Id, [property: Id(1)] DateTimeOffset CreatedAt);

/// <summary>
/// One user's batches or schedules; see <see cref="IUserListGrain"/>. The cursor names the last
/// entry of a page by its creation time and id, so entries added or removed meanwhile move no page.
/// </summary>
[GrainType("user-list")]
public sealed class UserListGrain(
    [PersistentState("list", StorageNames.Tasks)] IPersistentState<UserListState> state,
    DeepCopier copier) : Grain, IUserListGrain
{
    public const int MaxPageSize = 200;

    private DurableState<UserListState>? _durable;

    private DurableState<UserListState> Durable => _durable ??= new(state, copier, DeactivateOnIdle);

    private List<UserListEntry> Entries => state.State.Entries;

    public async Task Add(Guid id, DateTimeOffset createdAt)
    {
        if (Entries.Exists(entry => entry.Id == id))
        {
            return;
        }

        var entry = new UserListEntry(id, createdAt);
        await Durable.CommitAsync(next =>
            next.Entries.Insert(next.Entries.FindLastIndex(other => Compare(other, entry) < 0) + 1, entry));
    }

    public async Task Remove(Guid id)
    {
        if (!Entries.Exists(entry => entry.Id == id))
        {
            return;
        }

        await Durable.CommitAsync(next => next.Entries.RemoveAll(entry => entry.Id == id));
    }

    public Task<ListPage> List(string? cursor, int limit)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw new InvalidListRequestException("limit", $"'limit' must be between 1 and {MaxPageSize}.");
        }

        var end = Entries.Count;
        if (!string.IsNullOrEmpty(cursor))
        {
            var after = Parse(cursor) ?? throw new InvalidListRequestException("cursor", "The cursor is not one this list gave out.");
            end = Entries.FindLastIndex(entry => Compare(entry, after) < 0) + 1;
        }

        var start = Math.Max(0, end - limit);
        var page = Enumerable.Range(start, end - start).Reverse().Select(i => Entries[i]).ToList();
        var next = start > 0 ? Format(page[^1]) : null;
        return Task.FromResult(new ListPage([.. page.Select(entry => entry.Id)], next));
    }

    private static int Compare(UserListEntry a, UserListEntry b)
    {
        var byTime = a.CreatedAt.CompareTo(b.CreatedAt);
        return byTime != 0 ? byTime : a.Id.CompareTo(b.Id);
    }

    private static string Format(UserListEntry entry) =>
        entry.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "." + entry.Id.ToString("N");

    private static UserListEntry? Parse(string cursor)
    {
        var parts = cursor.Split('.');
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            && Guid.TryParseExact(parts[1], "N", out var id)
                ? new UserListEntry(id, new DateTimeOffset(ticks, TimeSpan.Zero))
                : null;
    }
}
