using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// <c>POST /api/uploads</c> and tasks reading uploads, over real HTTP on an embedded gateway without a
/// database: uploads are files in a directory of the test's own, so that what is left behind shows.
/// </summary>
public sealed class UploadApiTests(UploadApiTests.UploadGateway gateway) : IClassFixture<UploadApiTests.UploadGateway>
{
    private const int MaxUploadBytes = 3 * 1024 * 1024;

    [Fact]
    public async Task An_upload_answers_201_and_a_task_reading_it_indexes_every_line_and_fails_the_bad_one_by_its_number()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var body = Body(6_000, out var good);

        var (status, created) = await UploadRequests.SendAsync(alice, body);
        var uploadId = created.GetProperty("upload_id").GetGuid();
        using var shown = await alice.GetAsync($"/api/uploads/{uploadId}");
        var upload = await shown.Content.ReadFromJsonAsync<JsonObject>();
        // A collection of its own: the other tests index the same ids ("up-0"...), which would count as unchanged here.
        var collection = "uploads-" + Guid.NewGuid().ToString("N")[..12];
        var taskId = await TaskRequests.CreateAsync(alice, new JsonObject { ["collection"] = collection, ["source"] = new JsonObject { ["upload"] = uploadId.ToString() } });
        var task = await TaskRequests.WaitForEndAsync(alice, taskId, TimeSpan.FromMinutes(2));
        var failed = await alice.GetFromJsonAsync<JsonObject>($"/api/tasks/{taskId}/result?status=failed");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(body.Length, created.GetProperty("bytes").GetInt64());
        Assert.Equal(good + 1, created.GetProperty("lines").GetInt64());
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Equal("alice", (string?)upload!["owner_id"]);
        Assert.Equal(body.Length, (long)upload["bytes"]!);
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(good + 1, task.GetProperty("total").GetInt32());
        Assert.Equal(good, task.GetProperty("counts").GetProperty("indexed").GetInt32());
        Assert.Equal(1, task.GetProperty("counts").GetProperty("failed").GetInt32());
        Assert.Equal(uploadId, task.GetProperty("source").GetProperty("upload").GetGuid());
        var line = Assert.Single(failed!["items"]!.AsArray());
        Assert.Equal($"{uploadId}:3", (string?)line!["id"]);
        Assert.StartsWith($"Line 3 of {uploadId}:", (string?)line["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_upload_over_the_limit_gets_413_and_leaves_no_file_whether_its_length_is_declared_or_not()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var before = gateway.Files();
        var body = Body(10_000, out _);

        var (chunked, problem) = await UploadRequests.SendAsync(alice, body);
        using var declared = await alice.PostAsync("/api/uploads", new ByteArrayContent(body) { Headers = { { "Content-Type", "application/x-ndjson" } } });

        Assert.True(body.Length > MaxUploadBytes);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked);
        Assert.Contains("Tasks:MaxUploadBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(before, gateway.Files());
    }

    [Fact]
    public async Task A_client_that_disconnects_midway_leaves_no_upload_behind()
    {
        // Its raw socket does not start the server as an HttpClient of the factory's does; run first, it found the port closed.
        gateway.StartServer();
        var before = gateway.Files();
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, gateway.Port);
            var stream = client.GetStream();
            var head = $"POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TestTokens.Alice}\r\n" +
                "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            var part = Body(4_000, out _);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(part.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            await stream.WriteAsync(part);
            await stream.WriteAsync("\r\n"u8.ToArray());
            await stream.FlushAsync();
            await Eventually.TrueAsync(() => gateway.Files().Count > before.Count, waitingFor: "the gateway to begin storing the upload");
        }

        await Eventually.TrueAsync(() => gateway.Files().SetEquals(before), waitingFor: "the cut-off upload to be removed");
    }

    [Fact]
    public async Task Another_users_upload_is_answered_as_an_unknown_one_and_admins_see_it()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var uploadId = await UploadRequests.UploadAsync(alice, Body(10, out _));

        using var bobReads = await bob.GetAsync($"/api/uploads/{uploadId}");
        using var unknownReads = await bob.GetAsync($"/api/uploads/{Guid.NewGuid()}");
        using var bobDeletes = await bob.DeleteAsync($"/api/uploads/{uploadId}");
        using var adminReads = await admin.GetAsync($"/api/uploads/{uploadId}");
        var bobsTask = await ProblemAsync(bob, uploadId.ToString());
        var unknownTask = await ProblemAsync(bob, Guid.NewGuid().ToString());
        var malformedTask = await ProblemAsync(bob, "not-an-id");

        Assert.Equal(HttpStatusCode.NotFound, bobReads.StatusCode);
        Assert.Equal(Shown(await unknownReads.Content.ReadFromJsonAsync<JsonObject>()), Shown(await bobReads.Content.ReadFromJsonAsync<JsonObject>()));
        Assert.Equal(HttpStatusCode.NotFound, bobDeletes.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminReads.StatusCode);
        Assert.Equal(UploadSourceMessage, bobsTask);
        Assert.Equal(bobsTask, unknownTask);
        Assert.Equal(bobsTask, malformedTask);
    }

    [Fact]
    public async Task A_body_that_is_not_json_lines_gets_415()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        var (json, problem) = await UploadRequests.SendAsync(alice, Body(3, out _), "application/json");
        var (jsonl, _) = await UploadRequests.SendAsync(alice, Body(3, out _), "application/jsonl");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json);
        Assert.Contains("application/x-ndjson", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, jsonl);
    }

    [Fact]
    public async Task Deleting_an_upload_an_unfinished_task_reads_gets_409_and_204_once_the_task_has_ended()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var uploadId = await UploadRequests.UploadAsync(alice, Body(10, out _));
        var waiting = await TaskRequests.CreateAsync(alice, new JsonObject
        {
            ["collection"] = "uploads",
            ["source"] = new JsonObject { ["upload"] = uploadId.ToString() },
            ["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture),
        });

        using var whileWaiting = await alice.DeleteAsync($"/api/uploads/{uploadId}");
        using var cancel = await alice.PostAsync($"/api/tasks/{waiting}/cancel", null);
        using var afterCancel = await alice.DeleteAsync($"/api/uploads/{uploadId}");
        using var gone = await alice.GetAsync($"/api/uploads/{uploadId}");

        Assert.Equal(HttpStatusCode.Conflict, whileWaiting.StatusCode);
        Assert.Contains(waiting.ToString(), await whileWaiting.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, afterCancel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Retention_keeps_an_upload_while_a_kept_task_reads_it_and_purges_it_with_the_task()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var read = await UploadRequests.UploadAsync(alice, Body(10, out _));
        var unread = await UploadRequests.UploadAsync(alice, Body(10, out _));
        var taskId = await TaskRequests.CreateAsync(alice, new JsonObject { ["collection"] = "uploads", ["source"] = new JsonObject { ["upload"] = read.ToString() } });
        await TaskRequests.WaitForEndAsync(alice, taskId);
        var retention = gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IRetentionGrain>(0);

        // Tasks ended before the cutoff go; this one ended after it, so it and its upload stay.
        await retention.PurgeEndedBefore(DateTimeOffset.UtcNow.AddMinutes(-1));
        using var keptWithTask = await alice.GetAsync($"/api/uploads/{read}");
        using var keptYoung = await alice.GetAsync($"/api/uploads/{unread}");
        await retention.PurgeEndedBefore(DateTimeOffset.UtcNow.AddMinutes(1));
        using var purgedWithTask = await alice.GetAsync($"/api/uploads/{read}");
        using var purgedOld = await alice.GetAsync($"/api/uploads/{unread}");

        Assert.Equal(HttpStatusCode.OK, keptWithTask.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keptYoung.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, purgedWithTask.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, purgedOld.StatusCode);
    }

    [Fact]
    public async Task A_batch_reads_uploads_beside_other_tasks_and_one_naming_another_users_upload_creates_nothing()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        var first = await UploadRequests.UploadAsync(alice, Body(20, out var firstGood));
        var second = await UploadRequests.UploadAsync(alice, Body(30, out var secondGood));
        var bobs = await UploadRequests.UploadAsync(bob, Body(5, out _));

        var (batchId, tasks) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(
            UploadTask("first", first), UploadTask("second", second, after: "first"), BatchRequests.Task("inline", 2)));
        var batch = await BatchRequests.WaitForEndAsync(alice, batchId, TimeSpan.FromMinutes(2));
        var secondTask = await TaskRequests.WaitForEndAsync(alice, tasks["second"]);
        var listedBefore = await ListedTasksAsync(alice);
        using var refused = await alice.PostAsJsonAsync("/api/batches", BatchRequests.Body(UploadTask("mine", first), UploadTask("bobs", bobs)));
        var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal("completed", batch.GetProperty("status").GetString());
        var documents = batch.GetProperty("documents");
        Assert.Equal(firstGood + secondGood + 2, documents.GetProperty("indexed").GetInt32() + documents.GetProperty("unchanged").GetInt32());
        Assert.Equal(2, documents.GetProperty("failed").GetInt32());
        Assert.Equal(second, secondTask.GetProperty("source").GetProperty("upload").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(UploadSourceMessage, (string?)problem!["errors"]!["tasks[1].source.upload"]![0]);
        Assert.Equal(listedBefore, await ListedTasksAsync(alice));
    }

    [Fact]
    public async Task A_schedule_naming_an_upload_gets_400_saying_why()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var uploadId = await UploadRequests.UploadAsync(alice, Body(3, out _));

        using var response = await alice.PostAsJsonAsync("/api/schedules", new JsonObject
        {
            ["every"] = "PT1H",
            ["task"] = new JsonObject { ["collection"] = "uploads", ["source"] = new JsonObject { ["upload"] = uploadId.ToString() } },
        });
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("an upload never changes", (string?)problem!["errors"]!["task.source.upload"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_task_with_delete_missing_removes_what_its_upload_no_longer_holds_and_keeps_what_it_failed_to_read()
    {
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);

        var (task, remaining) = await DeleteMissingRoundAsync(admin);
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{task.GetProperty("task_id").GetGuid()}", TestTokens.Admin));
        var complete = (await socket.ReceiveUntilClosedAsync()).Single(message => message.GetProperty("type").GetString() == "complete");

        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(2, task.GetProperty("counts").GetProperty("deleted").GetInt64());
        Assert.Equal(2, complete.GetProperty("result").GetProperty("deleted").GetInt64());
        Assert.False(complete.GetProperty("result").TryGetProperty("delete_skipped", out _));
        Assert.True(task.GetProperty("source").GetProperty("delete_missing").GetBoolean());
        Assert.Equal(1, task.GetProperty("counts").GetProperty("failed").GetInt32());
        Assert.Equal(["up-0", "up-1", "up-2", "up-3", "up-4", "up-5", "up-6", "up-8"], remaining);
    }

    [Fact]
    public async Task A_delete_missing_upload_with_a_line_whose_id_cannot_be_known_removes_nothing_and_says_why()
    {
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var collection = "sync-" + Guid.NewGuid().ToString("N")[..8];
        await IndexUploadAsync(admin, collection, DeleteMissingBody(0, 10), deleteMissing: false);

        var task = await IndexUploadAsync(admin, collection, DeleteMissingBody(0, 4, "{\"id\": \"up-5\", not json"), deleteMissing: true);
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{task.GetProperty("task_id").GetGuid()}", TestTokens.Admin));
        var complete = (await socket.ReceiveUntilClosedAsync()).Single(message => message.GetProperty("type").GetString() == "complete");

        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(0, task.GetProperty("counts").GetProperty("deleted").GetInt64());
        Assert.Contains("line 5 of", task.GetProperty("source").GetProperty("delete_skipped").GetString(), StringComparison.Ordinal);
        Assert.Contains("nothing removed: the source was not read whole", task.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(task.GetProperty("source").GetProperty("delete_skipped").GetString(), complete.GetProperty("result").GetProperty("delete_skipped").GetString());
        Assert.Equal(10, (await SearchIdsAsync(admin, collection)).Count);
    }

    [Fact]
    public async Task Only_an_admin_may_ask_for_delete_missing_so_another_user_cannot_empty_a_shared_collection()
    {
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var collection = "shared-" + Guid.NewGuid().ToString("N")[..8];
        await IndexUploadAsync(bob, collection, DeleteMissingBody(0, 3), deleteMissing: false);
        var alices = await UploadRequests.UploadAsync(alice, DeleteMissingBody(0, 1));
        var listedBefore = await ListedTasksAsync(alice);
        var source = new JsonObject { ["upload"] = alices.ToString(), ["delete_missing"] = true };

        using var task = await alice.PostAsJsonAsync("/api/tasks", new JsonObject { ["collection"] = collection, ["source"] = source.DeepClone() });
        using var batch = await alice.PostAsJsonAsync("/api/batches", BatchRequests.Body(new JsonObject { ["ref"] = "a", ["collection"] = collection, ["source"] = source.DeepClone() }));
        using var schedule = await alice.PostAsJsonAsync("/api/schedules", new JsonObject
        {
            ["every"] = "PT1H",
            ["task"] = new JsonObject { ["collection"] = collection, ["source"] = new JsonObject { ["directory"] = "/srv/corpus", ["pattern"] = "*", ["delete_missing"] = true } },
        });
        var problem = await task.Content.ReadFromJsonAsync<JsonObject>();
        var keptForBob = await SearchIdsAsync(bob, collection);
        var byAdmin = await IndexUploadAsync(admin, collection, DeleteMissingBody(0, 1), deleteMissing: true);

        Assert.Equal(HttpStatusCode.Forbidden, task.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, batch.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, schedule.StatusCode);
        Assert.Contains("only admins may ask for it", (string?)problem!["detail"], StringComparison.Ordinal);
        Assert.Equal(listedBefore, await ListedTasksAsync(alice));
        Assert.Equal(["up-0", "up-1", "up-2"], keptForBob);
        Assert.Equal(2, byAdmin.GetProperty("counts").GetProperty("deleted").GetInt64());
        Assert.Equal(["up-0"], await SearchIdsAsync(bob, collection));
    }

    /// <summary>
    /// Indexes an upload of ten lines into a new collection, then, with <c>delete_missing</c>, one of its
    /// first seven and a line naming up-8 that fails; returns the second task as it ended and the ids
    /// search then finds.
    /// </summary>
    internal static async Task<(JsonElement Task, List<string> Remaining)> DeleteMissingRoundAsync(HttpClient client)
    {
        var collection = "sync-" + Guid.NewGuid().ToString("N")[..8];
        await IndexUploadAsync(client, collection, DeleteMissingBody(0, 10), deleteMissing: false);
        var task = await IndexUploadAsync(client, collection, DeleteMissingBody(0, 7, "{\"id\":\"up-8\",\"content\":5}"), deleteMissing: true);
        return (task, await SearchIdsAsync(client, collection));
    }

    /// <summary>Uploads <paramref name="body"/> and indexes it into <paramref name="collection"/>; returns the task as it ended.</summary>
    internal static async Task<JsonElement> IndexUploadAsync(HttpClient client, string collection, byte[] body, bool deleteMissing)
    {
        var upload = await UploadRequests.UploadAsync(client, body);
        var source = new JsonObject { ["upload"] = upload.ToString() };
        if (deleteMissing)
        {
            source["delete_missing"] = true;
        }

        var task = await TaskRequests.CreateAsync(client, new JsonObject { ["collection"] = collection, ["source"] = source });
        return await TaskRequests.WaitForEndAsync(client, task, TimeSpan.FromMinutes(1));
    }

    /// <summary>Lines up-<paramref name="from"/> onwards, <paramref name="count"/> of them, then <paramref name="extra"/> if given.</summary>
    internal static byte[] DeleteMissingBody(int from, int count, string? extra = null)
    {
        var text = new StringBuilder();
        for (var i = from; i < from + count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"up-{i}\",\"title\":\"Upload {i}\",\"content\":\"{TaskRequests.Content(i, 50)}\"}}\n");
        }

        if (extra is not null)
        {
            text.Append(extra).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    internal static async Task<List<string>> SearchIdsAsync(HttpClient client, string collection)
    {
        var found = await client.GetFromJsonAsync<JsonObject>($"/api/search?collection={collection}&q=upload&limit=50");
        return [.. found!["hits"]!.AsArray().Select(hit => (string)hit!["id"]!).Order(StringComparer.Ordinal)];
    }

    private const string UploadSourceMessage = "No complete upload with this id exists for you.";

    private static JsonObject UploadTask(string reference, Guid uploadId, string? after = null)
    {
        var task = new JsonObject { ["ref"] = reference, ["collection"] = "uploads", ["source"] = new JsonObject { ["upload"] = uploadId.ToString() } };
        if (after is not null)
        {
            task["after"] = new JsonArray(after);
        }

        return task;
    }

    /// <summary>The ids of the user's tasks as the list shows them.</summary>
    private static async Task<string> ListedTasksAsync(HttpClient client)
    {
        var page = await client.GetFromJsonAsync<JsonObject>("/api/tasks?limit=200");
        return string.Join(",", page!["items"]!.AsArray().Select(task => (string?)task!["task_id"]).Order(StringComparer.Ordinal));
    }

    internal static byte[] Body(int documents, out int good)
    {
        var text = new StringBuilder();
        good = 0;
        for (var i = 0; i < documents; i++)
        {
            text.Append(i == 2 ? "{not json\n" : $"{{\"id\":\"up-{i}\",\"title\":\"Upload {i}\",\"content\":\"{TaskRequests.Content(i, 50)}\"}}\n");
            good += i == 2 ? 0 : 1;
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>What a problem says, without its trace id.</summary>
    private static string Shown(JsonObject? problem) => $"{problem?["status"]} {problem?["title"]} {problem?["detail"]}";

    private static async Task<string> ProblemAsync(HttpClient client, string uploadId)
    {
        using var response = await client.PostAsJsonAsync("/api/tasks", new JsonObject { ["collection"] = "uploads", ["source"] = new JsonObject { ["upload"] = uploadId } });
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (string)problem!["errors"]!["source.upload"]![0]!;
    }

    /// <summary>An embedded gateway keeping uploads in a directory of its own, with a 3 MiB limit.</summary>
    public sealed class UploadGateway : GatewayFactory
    {
        private readonly string _scratch;

        public UploadGateway()
            : this(Directory.CreateTempSubdirectory("orleans-tasks-upload-api-").FullName)
        {
        }

        private UploadGateway(string scratch)
            : base(new Dictionary<string, string?>
            {
                ["Tasks:UploadDirectory"] = scratch,
                ["Tasks:MaxUploadBytes"] = MaxUploadBytes.ToString(CultureInfo.InvariantCulture),
            }) => _scratch = scratch;

        /// <summary>The files in the upload directory, each upload's body and record.</summary>
        public HashSet<string> Files() => [.. Directory.GetFiles(_scratch)];

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(_scratch, recursive: true);
        }
    }
}
