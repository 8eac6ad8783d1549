using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// A service acting under its own owner id through the package, seen from the REST API of the same
/// cluster: the same refusals for the same bad requests, and its tasks in an admin's listing.
/// </summary>
public sealed class ServicePrincipalTests(ServiceBesideGateway fixture) : IClassFixture<ServiceBesideGateway>
{
    private const string Service = "service:reports";
    private const string BadCollection = "no spaces allowed";
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly ImmutableArray<IndexDocument> OneDocument = [new IndexDocument("a.md", null, "alpha beta")];

    private IClusterClient Client => fixture.Service.Services.GetRequiredService<IClusterClient>();

    [Fact]
    public async Task A_bad_request_is_refused_through_the_package_with_the_field_and_message_REST_gives()
    {
        fixture.Require();
        using var http = fixture.Http(TestTokens.Alice);
        var unknown = Guid.NewGuid();

        var collection = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Client.GetGrain<IIndexTaskGrain>(Guid.NewGuid()).Start(new StartIndexTask(Service, BadCollection, OneDocument)));
        var dependency = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Client.GetGrain<IIndexTaskGrain>(Guid.NewGuid()).Start(new StartIndexTask(Service, "docs", OneDocument, DependsOn: [unknown])));
        var batch = await Assert.ThrowsAnyAsync<InvalidRequestException>(() =>
            Client.GetGrain<IBatchGrain>(Guid.NewGuid()).Create(new CreateBatch(Service, [new BatchTaskSpec("a", BadCollection, OneDocument)])));

        Assert.Equal((collection.Field, collection.Message), await RefusedAsync(http, "/api/tasks", Task(BadCollection)));
        var withDependency = Task("docs");
        withDependency["depends_on"] = new JsonArray(unknown.ToString());
        Assert.Equal((dependency.Field, dependency.Message), await RefusedAsync(http, "/api/tasks", withDependency));
        var batchBody = new JsonObject { ["tasks"] = new JsonArray(Task(BadCollection, new JsonObject { ["ref"] = "a" })) };
        Assert.Equal((batch.Field, batch.Message), await RefusedAsync(http, "/api/batches", batchBody));
    }

    [Fact]
    public async Task An_admin_lists_a_task_a_service_created_through_the_package_and_a_user_does_not()
    {
        fixture.Require();
        var collection = "c" + Guid.NewGuid().ToString("N")[..12];
        var taskId = Guid.NewGuid();
        await Client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask(Service, collection, OneDocument));
        var watcher = fixture.Service.Services.GetRequiredService<ITaskWatcher>();
        var end = await Deadline.RunAsync(cancel => watcher.WatchTaskAsync(taskId, cancel).LastAsync(cancel).AsTask(), WaitLimit, "the service's task to end");
        Assert.Equal(IndexTaskStatus.Completed, end.Status);

        using var admin = fixture.Http(TestTokens.Admin);
        using var alice = fixture.Http(TestTokens.Alice);
        await Eventually.TrueAsync(
            "the admin's listing with scope=all to show the service's task under its owner id",
            async () => (await ListAsync(admin, $"/api/tasks?scope=all&collection={collection}")).Any(item =>
                item.GetProperty("task_id").GetGuid() == taskId && item.GetProperty("owner_id").GetString() == Service),
            WaitLimit);

        Assert.DoesNotContain(await ListAsync(alice, $"/api/tasks?collection={collection}"), item => item.GetProperty("task_id").GetGuid() == taskId);
        using var forbidden = await alice.GetAsync($"/api/tasks?scope=all&collection={collection}");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    private static JsonObject Task(string collection, JsonObject? into = null)
    {
        var body = into ?? [];
        body["collection"] = collection;
        body["documents"] = new JsonArray(new JsonObject { ["id"] = "a.md", ["content"] = "alpha beta" });
        return body;
    }

    /// <summary>The one field and message of REST's 400 validation problem.</summary>
    private static async Task<(string Field, string Message)> RefusedAsync(HttpClient http, string path, JsonObject body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} answered {(int)response.StatusCode}: {text}");
        using var problem = JsonDocument.Parse(text);
        var error = Assert.Single(problem.RootElement.GetProperty("errors").EnumerateObject());
        return (error.Name, Assert.Single(error.Value.EnumerateArray()).GetString()!);
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        using var page = JsonDocument.Parse(text);
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(item => item.Clone())];
    }
}
