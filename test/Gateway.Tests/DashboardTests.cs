using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The dashboard in a real headless Chromium, as a user drives it.</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task A_user_signs_in_creates_and_watches_a_task_cancels_another_pages_history_and_searches()
    {
        await using var gateway = new GatewayFactory(services: services => services.AddFaultInjection());
        gateway.StartServer();
        using var demo = gateway.CreateHttpClient(TestTokens.For("demo"));
        for (var i = 0; i < 22; i++)
        {
            await TaskRequests.WaitForEndAsync(demo, await TaskRequests.CreateAsync(demo, TaskRequests.Body(2, collection: "earlier")));
        }

        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.NewTabAsync(gateway.BaseAddress);

        // Sign in.
        await page.FillAsync("#username", "demo");
        await page.FillAsync("#password", "demo-password");
        await page.ClickAsync("#sign-in button[type=submit]");
        await Assertions.Expect(page.Locator("#user")).ToHaveTextAsync("demo");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(20);

        // Page the history and come back.
        await page.ClickAsync("#older");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#page-number")).ToHaveTextAsync("page 2");
        await page.ClickAsync("#newer");
        await Assertions.Expect(page.Locator("#task-rows tr")).ToHaveCountAsync(20);

        // Create a task from typed-in documents and watch its bar reach 100 %.
        await page.ClickAsync("nav button[data-view=create]");
        await page.FillAsync("#create-collection", "dashboard");
        // Pasted, as a user would paste a long list; typing 3,000 lines key by key proves nothing more.
        await page.Locator("#create-inline").EvaluateAsync("(area, text) => area.value = text", Lines(3000));
        await page.ClickAsync("#create-task button[type=submit]");
        await Assertions.Expect(page.Locator("#create-result")).ToContainTextAsync("accepted");
        var created = (await page.Locator("#create-result").TextContentAsync())!.Split(' ')[1];
        var createdRow = page.Locator($"tr[data-task-id='{created}']");
        await Assertions.Expect(createdRow.Locator("td.status")).ToHaveTextAsync("completed", new() { Timeout = 90_000 });
        await Assertions.Expect(createdRow.Locator("progress")).ToHaveAttributeAsync("value", "100");
        await Assertions.Expect(createdRow.Locator("td.counts")).ToHaveTextAsync("3000/3000");

        // A task from uploaded files.
        await page.ClickAsync("nav button[data-view=create]");
        await page.CheckAsync("input[name=source][value=files]");
        await page.SetInputFilesAsync("#create-files", new[]
        {
            new FilePayload { Name = "alpha.md", MimeType = "text/markdown", Buffer = Encoding.UTF8.GetBytes("alpha uploaded grains") },
            new FilePayload { Name = "beta.md", MimeType = "text/markdown", Buffer = Encoding.UTF8.GetBytes("beta uploaded silos") },
        });
        await page.ClickAsync("#create-task button[type=submit]");
        await Assertions.Expect(page.Locator("#create-result")).Not.ToContainTextAsync(created);
        await Assertions.Expect(page.Locator("#create-result")).ToContainTextAsync("accepted");
        var uploaded = (await page.Locator("#create-result").TextContentAsync())!.Split(' ')[1];
        Assert.NotEqual(created, uploaded);
        await Assertions.Expect(page.Locator($"tr[data-task-id='{uploaded}'] td.counts")).ToHaveTextAsync("2/2");

        // Cancel another task while it runs; the page follows it live until then. Its index is paced (20 s for its
        // documents), so that it surely still runs when cancelled: unpaced, 10,000 documents took seconds.
        gateway.Services.GetRequiredService<FaultPlan>().PaceIndex("running", TimeSpan.FromMilliseconds(10));
        var running = await TaskRequests.CreateAsync(demo, TaskRequests.Body(2_000, collection: "running"));
        await page.ClickAsync("nav button[data-view=tasks]");
        var runningRow = page.Locator($"tr[data-task-id='{running}']");
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
        await Assertions.Expect(runningRow.Locator("td.status")).ToHaveTextAsync("processing");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "dashboard.png"), FullPage = true });
        await runningRow.GetByRole(AriaRole.Button, new() { Name = $"Cancel task {running}" }).ClickAsync();
        await Assertions.Expect(runningRow.Locator("td.status")).ToHaveTextAsync("cancelled");
        await Assertions.Expect(runningRow.Locator("td.message")).ToContainTextAsync("user:demo");

        // Details with per-document results.
        await createdRow.Locator("td.id a").ClickAsync();
        await Assertions.Expect(page.Locator("#details-rows tr")).ToHaveCountAsync(50);

        // Search what was indexed.
        await page.ClickAsync("nav button[data-view=search]");
        await page.FillAsync("#search-collection", "dashboard");
        await page.FillAsync("#search-query", "number42");
        await page.ClickAsync("#search button[type=submit]");
        await Assertions.Expect(page.Locator("#search-results li").First).ToContainTextAsync("line-42", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#search-results li mark").First).ToHaveTextAsync("number42");

        // On a phone the page reflows instead of scrolling sideways; tables scroll inside their frame.
        await page.SetViewportSizeAsync(390, 844);
        await page.ClickAsync("nav button[data-view=tasks]");
        await Assertions.Expect(page.Locator("#task-rows tr").First).ToBeVisibleAsync();
        var tooWide = await page.EvaluateAsync<string>(
            "() => [...document.querySelectorAll('body *')].filter(e => e.offsetParent && !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '#' + e.id + '.' + e.className).join(', ')");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"the page scrolls sideways on a phone: {tooWide}");

        Assert.Empty(browser.ConsoleErrors);
    }

    private static string Lines(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append("line-").Append(i).Append(": ").AppendLine(TaskRequests.Content(i, 40));
        }

        return text.ToString();
    }
}
