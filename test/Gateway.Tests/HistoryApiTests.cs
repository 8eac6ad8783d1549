using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class HistoryApiTests(SharedGateway gateway)
{
    private static List<Guid> Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("task_id").GetGuid())];

    [Fact]
    public async Task A_users_tasks_are_listed_newest_first_filtered_and_cursor_paged()
    {
        var user = "history-" + Guid.NewGuid().ToString("N")[..8];
        using var client = gateway.CreateHttpClient(TestTokens.For(user));
        var collection = "c" + Guid.NewGuid().ToString("N")[..12];
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await TaskRequests.CreateAsync(client, TaskRequests.Body(2, collection: i == 4 ? "other" + collection : collection)));
        }

        foreach (var taskId in created)
        {
            await TaskRequests.WaitForEndAsync(client, taskId);
        }

        var all = await client.GetFromJsonAsync<JsonElement>("/api/tasks?limit=50");
        var first = await client.GetFromJsonAsync<JsonElement>($"/api/tasks?collection={collection}&limit=2");
        var second = await client.GetFromJsonAsync<JsonElement>($"/api/tasks?collection={collection}&limit=2&cursor={Uri.EscapeDataString(first.GetProperty("next_cursor").GetString()!)}");
        var third = await TaskRequests.GetAsync(client, created[2]);
        var from = Uri.EscapeDataString(third.GetProperty("created_at").GetString()!);
        var fromThird = await client.GetFromJsonAsync<JsonElement>($"/api/tasks?created_from={from}");
        var beforeThird = await client.GetFromJsonAsync<JsonElement>($"/api/tasks?created_before={from}");
        var completed = await client.GetFromJsonAsync<JsonElement>("/api/tasks?status=completed");
        var cancelled = await client.GetFromJsonAsync<JsonElement>("/api/tasks?status=cancelled");

        Assert.Equal(Enumerable.Reverse(created), Ids(all));
        Assert.Equal(created.Take(4).Reverse(), Ids(first).Concat(Ids(second)));
        Assert.False(second.TryGetProperty("next_cursor", out _));
        Assert.Equal(created.Skip(2).Reverse(), Ids(fromThird));
        Assert.Equal(created.Take(2).Reverse(), Ids(beforeThird));
        Assert.Equal(5, Ids(completed).Count);
        Assert.Empty(Ids(cancelled));
        var item = all.GetProperty("items")[0];
        Assert.Equal("completed", item.GetProperty("status").GetString());
        Assert.Equal(user, item.GetProperty("owner_id").GetString());
        MessageAssert.IsTimestamp(item.GetProperty("created_at"));
    }

    [Fact]
    public async Task A_task_appears_in_history_as_soon_as_it_is_accepted()
    {
        var user = "history-" + Guid.NewGuid().ToString("N")[..8];
        using var client = gateway.CreateHttpClient(TestTokens.For(user));

        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(10_000, words: 100));
        var page = await client.GetFromJsonAsync<JsonElement>("/api/tasks");
        await client.PostAsync($"/api/tasks/{taskId}/cancel", null);

        Assert.Equal([taskId], Ids(page));
    }

    [Fact]
    public async Task Other_users_tasks_are_not_listed_and_only_admins_list_everyone()
    {
        var owner = "history-" + Guid.NewGuid().ToString("N")[..8];
        using var ownerClient = gateway.CreateHttpClient(TestTokens.For(owner));
        using var other = gateway.CreateHttpClient(TestTokens.For("someone-else-" + Guid.NewGuid().ToString("N")[..6]));
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var taskId = await TaskRequests.CreateAsync(ownerClient, TaskRequests.Body(2));

        var othersView = await other.GetFromJsonAsync<JsonElement>("/api/tasks");
        using var othersAll = await other.GetAsync("/api/tasks?scope=all");
        var adminsView = await admin.GetFromJsonAsync<JsonElement>("/api/tasks?scope=all&limit=500");

        Assert.DoesNotContain(taskId, Ids(othersView));
        Assert.Equal(HttpStatusCode.Forbidden, othersAll.StatusCode);
        Assert.Contains(taskId, Ids(adminsView));
    }

    [Theory]
    [InlineData("/api/tasks?cursor=not-a-cursor", "cursor")]
    [InlineData("/api/tasks?limit=0", "limit")]
    [InlineData("/api/tasks?status=weird", "status")]
    [InlineData("/api/tasks?scope=everyone", "scope")]
    public async Task Bad_listing_parameters_get_400(string url, string field)
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);

        using var response = await client.GetAsync(url);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Listing_needs_a_token()
    {
        using var anonymous = gateway.CreateHttpClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/tasks")).StatusCode);
    }
}
