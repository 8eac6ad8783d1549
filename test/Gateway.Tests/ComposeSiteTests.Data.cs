using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>What the site keeps in its volume: history, results and search across down and up, and README's backup and restore.</summary>
public sealed partial class ComposeSiteTests
{
    private static async Task History_results_and_search_survived(HttpClient http, Guid first, Guid second)
    {
        var history = await http.GetStringAsync("/api/tasks?limit=20");
        var results = await http.GetFromJsonAsync<JsonElement>($"/api/tasks/{first}/result?limit=5");
        var task = await TaskRequests.GetAsync(http, second);
        var collection = task.GetProperty("collection").GetString();
        var search = await http.GetFromJsonAsync<JsonElement>($"/api/search?collection={collection}&q=grain&limit=3");

        Assert.Contains(first.ToString(), history, StringComparison.Ordinal);
        Assert.Contains(second.ToString(), history, StringComparison.Ordinal);
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(5, results.GetProperty("items").GetArrayLength());
        Assert.Equal(3, search.GetProperty("hits").GetArrayLength());
    }

    /// <summary>README's backup block, then its restore block, read from README.md, with the dump in the engine's directory for <c>~/orleans-tasks.dump</c>.</summary>
    private static async Task Restored_from_a_pg_dump_backup_into_a_fresh_volume(ComposeSite site, string directory)
    {
        var (backup, restore) = BackupCommands.Read(Path.Combine(directory, "orleans-tasks.dump"));

        var said = await site.ShellOrFailAsync(backup);
        Assert.Contains("reads back whole", said, StringComparison.Ordinal);
        await site.ShellOrFailAsync(restore);
    }
}
