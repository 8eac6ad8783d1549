using Orleans.Concurrency;

namespace OrleansTasks;

/// <summary>
/// The ids of one kind of thing one user created — batches or schedules — newest first. Keyed by
/// <see cref="Batches"/> or <see cref="Schedules"/>.
/// </summary>
[Alias("OrleansTasks.IUserListGrain")]
public interface IUserListGrain : IGrainWithStringKey
{
    /// <summary>Records an id; recording the same id again changes nothing.</summary>
    [Alias("Add")]
    Task Add(Guid id, DateTimeOffset createdAt);

    /// <summary>Forgets an id; forgetting one that is not there changes nothing.</summary>
    [Alias("Remove")]
    Task Remove(Guid id);

    /// <summary>At most <paramref name="limit"/> ids after <paramref name="cursor"/> (from an earlier page).</summary>
    [Alias("List"), ReadOnly]
    Task<ListPage> List(string? cursor, int limit);

    /// <summary>The key of the list of an owner's batches.</summary>
    static string Batches(string ownerId) => "batches/" + Uri.EscapeDataString(ownerId);

    /// <summary>The key of the list of an owner's schedules.</summary>
    static string Schedules(string ownerId) => "schedules/" + Uri.EscapeDataString(ownerId);
}
