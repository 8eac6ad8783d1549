using System.Security.Claims;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Apis;

/// <summary>Looks up a task, batch or schedule by the id in a path the way every endpoint must.</summary>
internal static class VisibleItems
{
    /// <summary>
    /// The item if the id is well formed, it exists and the caller may see it (<see cref="UserIdentity.MaySee"/>);
    /// otherwise null, so that malformed ids, unknown ids and other users' items all answer the same 404.
    /// </summary>
    public static async Task<T?> FindAsync<T>(string id, ClaimsPrincipal user, Func<Guid, Task<T?>> load)
        where T : class, IOwned
    {
        if (!Guid.TryParse(id, out var key))
        {
            return null;
        }

        var item = await load(key);
        return user.MaySee(item) ? item : null;
    }
}
