using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Playwright;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Holds a tab's requests to one path (whatever their query), in the order it makes them, until the
/// test decides each: passed on to the gateway, refused with 429 as the per-user rate limit does, or
/// answered with another body, or left unanswered. For reads that overlap (a read-back, a second read,
/// a user's) whose answers the test orders.
/// </summary>
public sealed class HeldRequests : IAsyncDisposable
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    private readonly IPage _page;
    private readonly string _path;
    private readonly Channel<Held> _arrived = Channel.CreateUnbounded<Held>();
    private readonly List<Held> _all = [];
    private readonly Lock _lock = new();
    private long _lastRequest = Stopwatch.GetTimestamp();
    private bool _passing;
    private bool _disposed;

    private HeldRequests(IPage page, string path)
    {
        _page = page;
        _path = path;
    }

    /// <summary>From now on, holds <paramref name="page"/>'s requests to <paramref name="path"/>.</summary>
    public static async Task<HeldRequests> StartAsync(IPage page, string path)
    {
        ArgumentNullException.ThrowIfNull(page);
        var held = new HeldRequests(page, path);
        await page.RouteAsync(held.Matches, held.HoldAsync);
        return held;
    }

    /// <summary>The next request the tab makes (or made) to the path, held; <paramref name="what"/> names it for a timeout.</summary>
    public Task<Held> NextAsync(string what) =>
        Deadline.WaitAsync(_arrived.Reader.ReadAsync().AsTask(), Arrival, $"the page to request {_path}: {what}");

    /// <summary>How long ago the tab last made a request to the path.</summary>
    public TimeSpan QuietFor
    {
        get
        {
            lock (_lock)
            {
                return Stopwatch.GetElapsedTime(_lastRequest);
            }
        }
    }

    /// <summary>Passes the tab's next requests on to the gateway (those held stay held).</summary>
    public void PassOn()
    {
        lock (_lock)
        {
            _passing = true;
        }
    }

    /// <summary>Lets the tab's requests through from now on, and those held and not decided.</summary>
    public async ValueTask DisposeAsync()
    {
        Held[] all;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _passing = true;
            all = [.. _all];
        }

        await _page.UnrouteAsync(Matches, HoldAsync);

        foreach (var held in all)
        {
            await held.AnswerAsync();
        }
    }

    private bool Matches(string url) => new Uri(url).AbsolutePath == _path;

    private async Task HoldAsync(IRoute route)
    {
        var held = new Held(route);
        bool passing;
        lock (_lock)
        {
            _lastRequest = Stopwatch.GetTimestamp();
            passing = _passing;
            if (!passing)
            {
                _all.Add(held);
            }
        }

        if (passing)
        {
            await held.AnswerAsync();
            return;
        }

        await _arrived.Writer.WriteAsync(held);
        await held.Decided;
    }

    /// <summary>One request held.</summary>
    public sealed class Held(IRoute route)
    {
        private readonly TaskCompletionSource _decided = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _deciding;

        public string Url => route.Request.Url;

        internal Task Decided => _decided.Task;

        /// <summary>Passes the request on to the gateway (nothing if it was decided already, or the page gave it up).</summary>
        public Task AnswerAsync() => DecideAsync(() => route.ContinueAsync());

        /// <summary>Answers 200 with <paramref name="json"/>, as if the gateway had.</summary>
        public Task AnswerAsync(string json) => DecideAsync(() => route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = json }));

        /// <summary>Passes the request on to the gateway and answers its answer as <paramref name="edit"/> changes its body.</summary>
        public Task AnswerAsync(Func<string, string> edit) => DecideAsync(async () =>
        {
            var response = await route.FetchAsync();
            await route.FulfillAsync(new() { Response = response, Body = edit(await response.TextAsync()) });
        });

        /// <summary>Answers 429 Too Many Requests.</summary>
        public Task RefuseAsync() => DecideAsync(() => route.FulfillAsync(new()
        {
            Status = 429, ContentType = "application/problem+json", Body = """{"title":"Too Many Requests","status":429}""",
        }));

        private async Task DecideAsync(Func<Task> decision)
        {
            if (Interlocked.Exchange(ref _deciding, 1) == 1)
            {
                return;
            }

            try
            {
                await decision();
            }
            catch (PlaywrightException)
            {
                // The page gave the request up first (a read has 20 s), or closed.
            }
            finally
            {
                _decided.SetResult();
            }
        }
    }
}
