using Microsoft.Playwright;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Refuses a tab's requests to one path with 429, as the per-user rate limit does, and counts them,
/// until <see cref="StopAsync"/>: for the read-back after a reconnect, which must be tried again.
/// </summary>
public sealed class RefusedReads
{
    private readonly IPage _page;
    private readonly string _path;
    private readonly Func<IRoute, Task> _refuse;
    private int _refused;

    private RefusedReads(IPage page, string path)
    {
        _page = page;
        _path = path;
        _refuse = async route =>
        {
            Interlocked.Increment(ref _refused);
            await route.FulfillAsync(new() { Status = 429, ContentType = "application/problem+json", Body = """{"title":"Too Many Requests","status":429}""" });
        };
    }

    /// <summary>From now on, refuses <paramref name="page"/>'s requests to <paramref name="path"/> (whatever their query).</summary>
    public static async Task<RefusedReads> StartAsync(IPage page, string path)
    {
        ArgumentNullException.ThrowIfNull(page);
        var reads = new RefusedReads(page, path);
        await page.RouteAsync(reads.Matches, reads._refuse);
        return reads;
    }

    /// <summary>Waits until <paramref name="count"/> requests have been refused.</summary>
    public Task WaitForAsync(int count) =>
        Eventually.TrueAsync($"the page to have read {_path} {count} times, each refused", () => Task.FromResult(Volatile.Read(ref _refused) >= count), TimeSpan.FromSeconds(60));

    /// <summary>Lets the requests through again.</summary>
    public Task StopAsync() => _page.UnrouteAsync(Matches, _refuse);

    private bool Matches(string url) => new Uri(url).AbsolutePath == _path;
}
