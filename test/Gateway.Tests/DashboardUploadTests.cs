using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The create form's upload in a real headless Chromium: a JSON-lines file streamed with its progress
/// shown, then read by a task; an admin's second upload with the delete_missing box removes what it
/// lost, and the box is not offered to other users.
/// </summary>
public sealed class DashboardUploadTests
{
    [Fact]
    public async Task A_json_lines_file_uploaded_through_the_form_is_indexed_and_an_admins_second_with_delete_missing_removes_what_it_lost()
    {
        var token = TestTokens.For("demo", ["admin"]);
        await using var gateway = new GatewayFactory();
        gateway.StartServer();
        using var demo = gateway.CreateHttpClient(token);
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignedInTabAsync(gateway.BaseAddress, token);
        var collection = "form-" + Guid.NewGuid().ToString("N")[..8];

        // Every text the form shows, however briefly: the upload's progress comes and goes.
        await page.EvaluateAsync("""
            () => {
              window.createTexts = [];
              const result = document.getElementById('create-result');
              new MutationObserver(() => window.createTexts.push(result.textContent)).observe(result, { childList: true, characterData: true, subtree: true });
            }
            """);

        var first = await CreateFromUploadAsync(page, collection, Lines(5_000), deleteMissing: false);
        var firstRow = page.Locator($"tr[data-task-id='{first}']");
        await Assertions.Expect(firstRow.Locator("td.status")).ToHaveTextAsync("completed", new() { Timeout = 90_000 });
        await Assertions.Expect(firstRow.Locator("td.counts")).ToHaveTextAsync("5000/5000");
        var texts = await page.EvaluateAsync<string[]>("() => window.createTexts");

        var second = await CreateFromUploadAsync(page, collection, Lines(4_000), deleteMissing: true);
        await Assertions.Expect(page.Locator($"tr[data-task-id='{second}'] td.status")).ToHaveTextAsync("completed", new() { Timeout = 90_000 });
        var task = await demo.GetFromJsonAsync<JsonElement>($"/api/tasks/{second}");

        Assert.Contains("Uploading data.jsonl: 100 %", texts);
        Assert.Contains("Uploaded 5000 documents; creating the task…", texts);
        Assert.True(await page.Locator("#create-upload-progress").IsHiddenAsync());
        Assert.True(task.GetProperty("source").GetProperty("upload").TryGetGuid(out _));
        Assert.True(task.GetProperty("source").GetProperty("delete_missing").GetBoolean());
        Assert.Equal(1_000, task.GetProperty("counts").GetProperty("deleted").GetInt64());
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task The_delete_missing_box_is_offered_to_admins_only()
    {
        await using var gateway = new GatewayFactory();
        gateway.StartServer();
        await using var browser = await DashboardBrowser.LaunchAsync();
        var user = await browser.SignedInTabAsync(gateway.BaseAddress, TestTokens.For("demo"));
        var admin = await browser.SignedInTabAsync(gateway.BaseAddress, TestTokens.For("boss", ["admin"]));

        foreach (var page in new[] { user, admin })
        {
            await page.ClickAsync("nav button[data-view=create]");
            await page.CheckAsync("input[name=source][value=upload]");
        }

        await Assertions.Expect(user.Locator("#create-delete-missing-label")).ToBeHiddenAsync();
        await Assertions.Expect(admin.Locator("#create-delete-missing-label")).ToBeVisibleAsync();
        Assert.Empty(browser.ConsoleErrors);
    }

    /// <summary>Fills the form with an upload of <paramref name="body"/> and submits it; returns the task's id once accepted.</summary>
    private static async Task<string> CreateFromUploadAsync(IPage page, string collection, byte[] body, bool deleteMissing)
    {
        await page.ClickAsync("nav button[data-view=create]");
        await page.FillAsync("#create-collection", collection);
        await page.CheckAsync("input[name=source][value=upload]");
        await page.SetInputFilesAsync("#create-upload", new FilePayload { Name = "data.jsonl", MimeType = "application/x-ndjson", Buffer = body });
        await page.SetCheckedAsync("#create-delete-missing", deleteMissing);
        var before = await page.Locator("#create-result").TextContentAsync() ?? "";
        await page.ClickAsync("#create-task button[type=submit]");
        await Assertions.Expect(page.Locator("#create-result")).Not.ToHaveTextAsync(before);
        await Assertions.Expect(page.Locator("#create-result")).ToContainTextAsync("accepted", new() { Timeout = 60_000 });
        return (await page.Locator("#create-result").TextContentAsync())!.Split(' ')[1];
    }

    private static byte[] Lines(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $$"""{"id":"row-{{i}}","title":"Row {{i}}","content":"{{TaskRequests.Content(i, 40)}}"}""").Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
