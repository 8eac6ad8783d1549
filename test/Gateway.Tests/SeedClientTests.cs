using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Playwright;

using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The seed's own clients, in a real browser and a real Python interpreter, against a running gateway.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SeedClientTests(SharedGateway gateway)
{
    [Fact]
    public async Task The_seeds_python_client_receives_connected_progress_and_complete()
    {
        // It starts 12 s from now, so the client connects before the run and sees it waiting: at 4 s, an
        // interpreter started on a loaded machine (load average 23) connected after the run had begun.
        var body = TaskRequests.Body(10_000, words: 150);
        body["run_at"] = DateTimeOffset.UtcNow.AddSeconds(12).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

        var lines = await RunPythonClientAsync(gateway, body);

        Assert.Contains("Initial status: waiting", lines);
        Assert.Contains(lines, line => line.StartsWith("Progress: ", StringComparison.Ordinal));
        Assert.Contains("Task completed!", lines);
        Assert.Contains("Success: True", lines);
    }

    [Fact]
    public async Task The_seeds_python_client_receives_a_tasks_error_and_stops()
    {
        // A gateway whose index refuses the task's collection for good: the task fails once it starts.
        await using var faulty = new GatewayFactory(services: services => services.AddFaultInjection());
        var body = TaskRequests.Body(100);
        faulty.Services.GetRequiredService<FaultPlan>().RefuseIndex(body["collection"]!.GetValue<string>());
        body["run_at"] = DateTimeOffset.UtcNow.AddSeconds(12).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

        var lines = await RunPythonClientAsync(faulty, body);

        var printed = string.Join('\n', lines);
        Assert.True(lines.Contains("Initial status: waiting"), printed);
        Assert.True(lines.Any(line => line.StartsWith("Task error: ", StringComparison.Ordinal)), printed);
        Assert.False(lines.Contains("Task completed!"), printed);
    }

    /// <summary>Creates the task as alice and runs the seed's Python client on it until it exits; returns what it printed.</summary>
    private static async Task<string[]> RunPythonClientAsync(GatewayFactory gateway, System.Text.Json.Nodes.JsonObject body)
    {
        var python = SystemDependencies.PythonWithWebsockets();
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, body);
        var script = Path.Combine(AppContext.BaseDirectory, "SeedClients", "seed_client.py");

        var start = new ProcessStartInfo(python, [script, $"ws://127.0.0.1:{gateway.Port}", taskId.ToString(), TestTokens.Alice])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await Deadline.RunAsync(process.WaitForExitAsync, TimeSpan.FromSeconds(90), "the seed's Python client to see the task end and exit");
        Assert.True(process.ExitCode == 0, await errors);
        return (await output).Split('\n');
    }

    [Fact]
    public async Task The_watch_page_follows_a_task_to_complete_in_a_real_browser()
    {
        gateway.StartServer();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };

        await page.GotoAsync(gateway.BaseAddress.ToString());
        await page.FillAsync("#username", "demo");
        await page.FillAsync("#password", "demo-password");
        await page.ClickAsync("#login");
        await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync("Signed in as demo");
        await page.FillAsync("#sample-count", "3000");
        // The click returns once the page's handler has built the request body, which a loaded machine may take a while over.
        await page.ClickAsync("#create-sample", new() { Timeout = 90_000 });
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("completed", new() { Timeout = 90_000 });
        var created = await page.Locator("#log li").AllTextContentsAsync();
        Assert.StartsWith("connected #", created.First(line => !line.StartsWith("WebSocket", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains(created, line => line.StartsWith("complete #", StringComparison.Ordinal));
        Assert.Contains("WebSocket closed: 1000 Task finished", created);

        // A task that starts 12 s from now is watched from before its start: the page shows each step of its run.
        using var demo = gateway.CreateHttpClient(await DemoTokenAsync());
        var delayed = TaskRequests.Body(8000);
        delayed["run_at"] = DateTimeOffset.UtcNow.AddSeconds(12).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var taskId = await TaskRequests.CreateAsync(demo, delayed);
        await page.FillAsync("#task-id", taskId.ToString());
        await page.ClickAsync("#watch");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("waiting", new() { Timeout = 3_000 });
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("completed", new() { Timeout = 90_000 });

        var log = await page.Locator("#log li").AllTextContentsAsync();
        Assert.StartsWith("connected #", log.First(line => !line.StartsWith("WebSocket", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains(log, line => line.StartsWith("progress #", StringComparison.Ordinal));
        Assert.Contains(log, line => line.StartsWith("complete #", StringComparison.Ordinal));
        Assert.Contains("WebSocket closed: 1000 Task finished", log);
        await Assertions.Expect(page.Locator("#progress-bar")).ToHaveTextAsync("100%");
        await Assertions.Expect(page.Locator("#result tbody tr")).ToHaveCountAsync(100);
        Assert.Empty(consoleErrors);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "watch-page.png"), FullPage = true });
    }

    /// <summary>
    /// The guide's JavaScript example, as written but for its URL, task id and token, in a real browser: it must
    /// see the task's steps and its end as the guide prints them, whatever fields the messages have gained since.
    /// </summary>
    [Fact]
    public async Task The_seeds_javascript_client_receives_connected_progress_and_complete()
    {
        gateway.StartServer();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var console = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var alerts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Console += (_, message) => console.Enqueue(message.Text);
        page.Dialog += (_, dialog) =>
        {
            alerts.Enqueue(dialog.Message);
            _ = dialog.AcceptAsync();
        };

        page.PageError += (_, error) => console.Enqueue("page error: " + error);

        // A page of the gateway's origin that runs no script of its own (the site's pages declare globals of the same names).
        await page.GotoAsync(new Uri(gateway.BaseAddress, "/seed-client").ToString());

        // Created once the browser is ready, and starting 12 s later, so that the client connects while it waits.
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(10_000, words: 150);
        body["run_at"] = DateTimeOffset.UtcNow.AddSeconds(12).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var taskId = await TaskRequests.CreateAsync(client, body);
        await page.EvaluateAsync(
            "args => { document.body.innerHTML = '<div id=\"progress-bar\"></div>'; window.seedClient = args; }",
            new { url = $"ws://127.0.0.1:{gateway.Port}", taskId = taskId.ToString(), token = TestTokens.Alice });
        await page.AddScriptTagAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "SeedClients", "seed_client.js") });
        try
        {
            await Eventually.TrueAsync(() => console.Contains("WebSocket closed"), TimeSpan.FromSeconds(90), "the seed's JavaScript client to see the task end and its socket close");
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message} Its console said:\n{string.Join('\n', console.TakeLast(20))}", timeout);
        }

        var lines = console.ToList();
        Assert.Contains($"Connected to task {taskId}", lines);
        Assert.Contains("Current status: waiting", lines);
        Assert.Contains(lines, line => line.StartsWith("Progress: ", StringComparison.Ordinal) && !line.Contains("undefined", StringComparison.Ordinal));
        Assert.Contains("Task completed!", lines);
        Assert.DoesNotContain(lines, line => line.StartsWith("Task error:", StringComparison.Ordinal) || line.StartsWith("WebSocket error:", StringComparison.Ordinal));
        Assert.Equal(["Success: Indexed 10000 documents: 10000 indexed, 0 unchanged, 0 failed"], alerts);
        await Assertions.Expect(page.Locator("#progress-bar")).ToHaveTextAsync("100%");
    }

    private async Task<string> DemoTokenAsync()
    {
        using var anonymous = gateway.CreateHttpClient();
        using var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "demo", password = "demo-password" });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("access_token").GetString()!;
    }
}
