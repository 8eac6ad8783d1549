using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Headless Chromium for the dashboard tests: opens signed-in tabs on a gateway and keeps every
/// console error and warning (the dashboard reports a failed reload or resync as a warning), every
/// alert (dismissed) and every WebSocket each tab opens, so that a test can assert on them.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly List<string> _consoleErrors = [];
    private readonly List<(IPage Page, IWebSocket Socket)> _sockets = [];
    private readonly Dictionary<IPage, long> _messages = [];
    private readonly List<(IPage Page, string Message)> _dialogs = [];
    private readonly Lock _lock = new();
    private readonly Regex[] _expectedWarnings;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, Regex[] expectedWarnings)
    {
        _playwright = playwright;
        Browser = browser;
        _expectedWarnings = expectedWarnings;
    }

    public IBrowser Browser { get; }

    /// <summary>The console errors, uncaught exceptions and warnings (but those expected) of every tab, warnings marked <c>warning:</c>.</summary>
    public IReadOnlyList<string> ConsoleErrors
    {
        get
        {
            lock (_lock)
            {
                return [.. _consoleErrors];
            }
        }
    }

    /// <summary>The paths of the WebSockets <paramref name="page"/> holds open now.</summary>
    public IReadOnlyList<string> OpenSockets(IPage page)
    {
        lock (_lock)
        {
            return [.. _sockets.Where(s => s.Page == page && !s.Socket.IsClosed).Select(s => new Uri(s.Socket.Url).AbsolutePath)];
        }
    }

    /// <summary>The messages of the alerts <paramref name="page"/> has shown, in order.</summary>
    public IReadOnlyList<string> Alerts(IPage page)
    {
        lock (_lock)
        {
            return [.. _dialogs.Where(d => d.Page == page).Select(d => d.Message)];
        }
    }

    /// <summary>How many WebSocket messages <paramref name="page"/> has received.</summary>
    public long MessagesReceived(IPage page)
    {
        lock (_lock)
        {
            return _messages.GetValueOrDefault(page);
        }
    }

    /// <summary>
    /// A browser; a console warning matching one of <paramref name="expectedWarnings"/> (regular
    /// expressions, e.g. a resync failing while a test has the gateway down) is not recorded.
    /// </summary>
    public static async Task<DashboardBrowser> LaunchAsync(params string[] expectedWarnings)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await HeadlessChromium.LaunchAsync(playwright);
        return new DashboardBrowser(playwright, browser, [.. expectedWarnings.Select(pattern => new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))]);
    }

    /// <summary>
    /// A new tab (in a context of its own: its own session storage) on the dashboard, not signed in;
    /// <paramref name="prepare"/> runs on it before it loads (e.g. to route its requests).
    /// </summary>
    public async Task<IPage> NewTabAsync(Uri gateway, string path = "/dashboard/", int width = 1280, int height = 900, Func<IPage, Task>? prepare = null)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        if (prepare is not null)
        {
            await prepare(page);
        }

        page.Console += (_, message) =>
        {
            var recorded = message.Type switch
            {
                "error" => $"{message.Location}: {message.Text}",
                "warning" when !_expectedWarnings.Any(expected => expected.IsMatch(message.Text)) => $"warning: {message.Location}: {message.Text}",
                _ => null,
            };
            if (recorded is not null)
            {
                lock (_lock)
                {
                    _consoleErrors.Add(recorded);
                }
            }
        };
        page.WebSocket += (_, socket) =>
        {
            lock (_lock)
            {
                _sockets.Add((page, socket));
            }

            socket.FrameReceived += (_, _) =>
            {
                lock (_lock)
                {
                    _messages[page] = _messages.GetValueOrDefault(page) + 1;
                }
            };
        };
        page.Dialog += async (_, dialog) =>
        {
            lock (_lock)
            {
                _dialogs.Add((page, dialog.Message));
            }

            try
            {
                await dialog.DismissAsync();
            }
            catch (PlaywrightException)
            {
                // The tab closed first.
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_lock)
            {
                _consoleErrors.Add($"uncaught: {error}");
            }
        };
        await page.GotoAsync(new Uri(gateway, path).ToString());
        return page;
    }

    /// <summary>A tab signed in by pasting a token (as with an identity provider), its feed live.</summary>
    public async Task<IPage> SignedInTabAsync(Uri gateway, string token, string path = "/dashboard/", Func<IPage, Task>? prepare = null)
    {
        var page = await NewTabAsync(gateway, path, prepare: prepare);
        await page.ClickAsync("#sign-in summary");
        await page.FillAsync("#pasted-token", token);
        await page.ClickAsync("#sign-in button[type=submit]");
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
