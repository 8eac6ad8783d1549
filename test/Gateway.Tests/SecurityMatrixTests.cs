using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Bad input as an attacker would send it, one row each: tokens, origins, ids, socket messages,
/// bodies, paths and floods. Every row asserts the exact answer (status and problem title, or
/// close code and reason), that nothing in the system changed, and that a bystander watching a
/// task over a socket is still served.
/// </summary>
public sealed class SecurityMatrixTests(SecurityMatrixFixture fixture) : IClassFixture<SecurityMatrixFixture>
{
    /// <summary>What the gateway answered: an HTTP status with its problem title, or a socket close.</summary>
    public sealed record Outcome(string Kind, int Code, string? Text)
    {
        public static Outcome Http(HttpStatusCode status, string? title = null) => new("http", (int)status, title);

        public static Outcome Close(WebSocketCloseStatus status, string reason) => new("close", (int)status, reason);

        public override string ToString() => $"{Kind} {Code} {Text}";
    }

    private static readonly byte[] SharedKey = Encoding.UTF8.GetBytes(TestTokens.SigningKey);

    // Every time-relative claim is read from the clock when its row runs, not when the class loads
    // or the cases are listed: a run can reach a row minutes (or, on a slow machine, hours) later.
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>The claims of a token valid from now for an hour, minted when the row runs.</summary>
    private static string Payload => TestTokens.Payload("alice");

    private SecurityMatrixFixture Fixture => fixture;

    private GatewayFactory Gateway => fixture.Gateway;

    private static readonly Dictionary<string, (Func<SecurityMatrixTests, Task<Outcome>> Act, Outcome Expected)> Cases = new()
    {
        ["token: none"] = (t => t.GetTasksAsync(null), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: not a JWT"] = (t => t.GetTasksAsync("abc.def"), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: alg none"] = (t => t.GetTasksAsync(TestTokens.Forged("""{"alg":"none","typ":"JWT"}""", Payload, null)), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: RS256 from an unknown key"] = (t => t.GetTasksAsync(RsaToken()), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: HS256 with another key"] = (t => t.GetTasksAsync(TestTokens.For("alice", key: "another-key-of-at-least-32-bytes-0123456789")), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: HS512 with the right key"] = (t => t.GetTasksAsync(TestTokens.Forged("""{"alg":"HS512","typ":"JWT"}""", Payload, SharedKey)), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: wrong issuer"] = (t => t.GetTasksAsync(TestTokens.For("alice", issuer: "someone-else")), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: wrong audience"] = (t => t.GetTasksAsync(TestTokens.For("alice", audience: "another-api")), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: expired beyond the 30 s skew"] = (t => t.GetTasksAsync(TestTokens.For("alice", expires: DateTime.UtcNow.AddSeconds(-45))), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: no expiry"] = (t => t.GetTasksAsync(TestTokens.Forged("""{"alg":"HS256","typ":"JWT"}""",
            $$"""{"sub":"alice","iss":"orleans-tasks","aud":"orleans-tasks","iat":{{Now}}}""", SharedKey)), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: not valid before five minutes from now"] = (t => t.GetTasksAsync(TestTokens.Forged("""{"alg":"HS256","typ":"JWT"}""",
            $$"""{"sub":"alice","iss":"orleans-tasks","aud":"orleans-tasks","nbf":{{Now + 300}},"exp":{{Now + 3600}}}""", SharedKey)), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: over 8 KiB"] = (t => t.GetTasksAsync(TestTokens.For("alice", extraClaims: new Dictionary<string, object> { ["padding"] = new string('x', 9000) })), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["token: Basic credentials"] = (t => t.GetTasksWithAsync(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("demo:demo-password")))),
            Outcome.Http(HttpStatusCode.Unauthorized)),

        ["socket: expired token"] = (t => t.SocketAsync($"/ws/task/{t.Fixture.AlicesTask}?token={TestTokens.For("alice", expires: DateTime.UtcNow.AddMinutes(-5))}"),
            Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),
        ["socket: garbage token"] = (t => t.SocketAsync($"/ws/task/{t.Fixture.AlicesTask}?token=garbage"), Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),
        ["socket: replayed ticket"] = (t => t.ReplayTicketAsync(), Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),
        ["socket: unknown ticket"] = (t => t.SocketAsync($"/ws/task/{t.Fixture.AlicesTask}?ticket=3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),

        ["socket: expired ticket"] = (t => t.ExpiredTicketAsync($"/ws/task/{t.Fixture.AlicesTask}"), Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),

        ["feed socket: garbage token"] = (t => t.SocketAsync($"/ws/tasks?token=garbage"), Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),
        ["feed socket: no token"] = (t => t.SocketAsync("/ws/tasks"), Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),
        ["feed socket: expired token"] = (t => t.SocketAsync($"/ws/tasks?token={TestTokens.For("alice", expires: DateTime.UtcNow.AddMinutes(-5))}"),
            Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),
        ["feed socket: replayed ticket"] = (t => t.ReplayFeedTicketAsync(), Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),
        ["feed socket: expired ticket"] = (t => t.ExpiredTicketAsync("/ws/tasks"), Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Authentication failed")),
        ["feed socket: everyone's tasks without admin"] = (t => t.SocketAsync($"/ws/tasks?scope=all&token={TestTokens.Alice}"),
            Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Scope not allowed")),
        ["feed socket: everyone's tasks with a ticket of a user who is not admin"] = (t => t.FeedWithTicketAsync("scope=all"),
            Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Scope not allowed")),
        ["feed socket: unknown scope"] = (t => t.SocketAsync($"/ws/tasks?scope=bob&token={TestTokens.Alice}"), Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Scope not allowed")),
        ["feed socket: another site"] = (t => t.SocketAsync($"/ws/tasks?token={TestTokens.Alice}", "https://evil.example"), Outcome.Http(HttpStatusCode.Forbidden)),
        ["feed socket: null origin in production"] = (t => t.SocketAsync($"/ws/tasks?token={TestTokens.Alice}", "null"), Outcome.Http(HttpStatusCode.Forbidden)),
        ["feed socket: over the per-user cap"] = (t => t.HoardSocketsAsync("/ws/tasks"), Outcome.Http(HttpStatusCode.TooManyRequests)),

        ["origin: another site"] = (t => t.AliceSocketAsync("https://evil.example"), Outcome.Http(HttpStatusCode.Forbidden)),
        ["origin: look-alike suffix"] = (t => t.AliceSocketAsync("https://app.example.com.evil.test"), Outcome.Http(HttpStatusCode.Forbidden)),
        ["origin: null in production"] = (t => t.AliceSocketAsync("null"), Outcome.Http(HttpStatusCode.Forbidden)),
        ["origin: allowed host over http"] = (t => t.AliceSocketAsync("http://app.example.com"), Outcome.Http(HttpStatusCode.Forbidden)),
        ["origin: allowed host on another port"] = (t => t.AliceSocketAsync("https://app.example.com:8443"), Outcome.Http(HttpStatusCode.Forbidden)),

        ["id: malformed task id"] = (t => t.SendAsync(HttpMethod.Get, "/api/tasks/not-a-guid"), Outcome.Http(HttpStatusCode.NotFound, "Task not found")),
        ["id: another user's task"] = (t => t.SendAsync(HttpMethod.Get, $"/api/tasks/{t.Fixture.BobsTask}"), Outcome.Http(HttpStatusCode.NotFound, "Task not found")),
        ["id: another user's results"] = (t => t.SendAsync(HttpMethod.Get, $"/api/tasks/{t.Fixture.BobsTask}/result"), Outcome.Http(HttpStatusCode.NotFound, "Task not found")),
        ["id: cancelling another user's task"] = (t => t.SendAsync(HttpMethod.Post, $"/api/tasks/{t.Fixture.BobsTask}/cancel"), Outcome.Http(HttpStatusCode.NotFound, "Task not found")),
        ["id: another user's batch"] = (t => t.SendAsync(HttpMethod.Get, $"/api/batches/{t.Fixture.BobsBatch}"), Outcome.Http(HttpStatusCode.NotFound, "Batch not found")),
        ["id: retrying another user's task"] = (t => t.SendAsync(HttpMethod.Post, $"/api/tasks/{t.Fixture.BobsTask}/retry"), Outcome.Http(HttpStatusCode.NotFound, "Task not found")),
        ["id: retrying another user's batch"] = (t => t.SendAsync(HttpMethod.Post, $"/api/batches/{t.Fixture.BobsBatch}/retry"), Outcome.Http(HttpStatusCode.NotFound, "Batch not found")),
        ["id: socket on another user's task"] = (t => t.SocketAsync($"/ws/task/{t.Fixture.BobsTask}?token={TestTokens.Alice}"),
            Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Task not found")),
        ["id: socket on a path-like id"] = (t => t.SocketAsync($"/ws/task/..%2F..%2Fetc%2Fpasswd?token={TestTokens.Alice}"),
            Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Task not found")),

        ["message: binary frame"] = (t => t.AfterConnectedAsync(socket =>
            socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None)), Outcome.Close(WebSocketCloseStatus.InvalidMessageType, "Binary messages are not supported")),
        ["message: over 4 KiB"] = (t => t.AfterConnectedAsync(socket =>
            socket.SendAsync(Encoding.UTF8.GetBytes(new string('p', 5000)), WebSocketMessageType.Text, true, CancellationToken.None)), Outcome.Close(WebSocketCloseStatus.MessageTooBig, "Message too big")),
        ["message: flood of pings"] = (t => t.AfterConnectedAsync(async socket =>
        {
            for (var i = 0; i < 30; i++)
            {
                await socket.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            }
        }), Outcome.Close(WebSocketCloseStatus.PolicyViolation, "Rate limit exceeded")),

        ["body: not JSON"] = (t => t.PostRawAsync("/api/tasks", "{\"collection\": ", "application/json"), Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["body: unknown field"] = (t => t.PostJsonAsync("/api/tasks", WithField(TaskRequests.Body(1), "priority", 9)), Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["body: timeout in seconds, not ISO 8601"] = (t => t.PostJsonAsync("/api/tasks", WithField(TaskRequests.Body(1), "timeout", 30)), Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["body: retry with no attempt"] = (t => t.PostJsonAsync("/api/tasks", WithField(TaskRequests.Body(1), "retry", new JsonObject { ["max_attempts"] = 0 })),
            Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["body: not JSON content"] = (t => t.PostRawAsync("/api/tasks", "collection=docs", "application/x-www-form-urlencoded"), Outcome.Http(HttpStatusCode.UnsupportedMediaType, "Unsupported Media Type")),
        ["body: over the request cap"] = (t => t.PostJsonAsync("/api/tasks", TaskRequests.Body(40, words: 400)), Outcome.Http(HttpStatusCode.RequestEntityTooLarge, "Request too large")),
        ["body: document over its cap"] = (t => t.PostJsonAsync("/api/tasks", TaskRequests.Body(1, words: 300)), Outcome.Http(HttpStatusCode.RequestEntityTooLarge, "Request too large")),
        ["body: too many documents"] = (t => t.PostJsonAsync("/api/tasks", TaskRequests.Body(51, words: 1)), Outcome.Http(HttpStatusCode.RequestEntityTooLarge, "Request too large")),
        ["body: batch with a cycle"] = (t => t.PostJsonAsync("/api/batches", BatchRequests.Body(
            BatchRequests.Task("a", 1, 1, "b"), BatchRequests.Task("b", 1, 1, "a"))), Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["body: depends on another user's task"] = (t => t.PostJsonAsync("/api/tasks", WithField(TaskRequests.Body(1), "depends_on", new JsonArray(t.Fixture.BobsTask.ToString()))),
            Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),

        ["path: .. out of the root"] = (t => t.PostJsonAsync("/api/tasks", Source(Path.Combine(t.Fixture.SourceRoot, "..", ".."))), Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["path: absolute path outside the roots"] = (t => t.PostJsonAsync("/api/tasks", Source("/etc")), Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["path: symlink out of the root"] = (t => t.PostJsonAsync("/api/tasks", Source(Path.Combine(t.Fixture.SourceRoot, "escape"))), Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["path: symbolic links that loop"] = (t => t.PostJsonAsync("/api/tasks", Source(Path.Combine(t.Fixture.SourceRoot, "loop-a", "docs"))), Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),

        ["source: delete_missing asked for by a user who is not an admin"] = (t => t.PostJsonAsync("/api/tasks", RemovingMissing(Source(t.Fixture.SourceRoot))),
            Outcome.Http(HttpStatusCode.Forbidden, "Admins only")),
        ["source: delete_missing in a batch by a user who is not an admin"] = (t => t.PostJsonAsync("/api/batches", BatchRequests.Body(
            BatchRequests.Task("inline", 1), WithField(RemovingMissing(Source(t.Fixture.SourceRoot)), "ref", "removing"))), Outcome.Http(HttpStatusCode.Forbidden, "Admins only")),
        ["source: delete_missing in a schedule by a user who is not an admin"] = (t => t.PostJsonAsync("/api/schedules", new JsonObject
        {
            ["every"] = "PT1H",
            ["task"] = RemovingMissing(Source(t.Fixture.SourceRoot)),
        }), Outcome.Http(HttpStatusCode.Forbidden, "Admins only")),

        ["upload: no token"] = (t => t.UploadAsync(null, UploadLines(1), "application/x-ndjson"), Outcome.Http(HttpStatusCode.Unauthorized)),
        ["upload: expired token"] = (t => t.UploadAsync(TestTokens.For("alice", expires: DateTime.UtcNow.AddMinutes(-5)), UploadLines(1), "application/x-ndjson"),
            Outcome.Http(HttpStatusCode.Unauthorized)),
        ["upload: not JSON lines"] = (t => t.UploadAsync(TestTokens.Alice, UploadLines(1), "application/json"), Outcome.Http(HttpStatusCode.UnsupportedMediaType, "Unsupported media type")),
        ["upload: over the limit, streamed with no length"] = (t => t.UploadAsync(TestTokens.Alice, UploadLines(2_000), "application/x-ndjson"),
            Outcome.Http(HttpStatusCode.RequestEntityTooLarge, "Request too large")),
        ["upload: another user's upload"] = (t => t.SendAsync(HttpMethod.Get, $"/api/uploads/{t.Fixture.BobsUpload}"), Outcome.Http(HttpStatusCode.NotFound, "Upload not found")),
        ["upload: an unknown upload"] = (t => t.SendAsync(HttpMethod.Get, $"/api/uploads/{Guid.NewGuid()}"), Outcome.Http(HttpStatusCode.NotFound, "Upload not found")),
        ["upload: a path-like upload id"] = (t => t.SendAsync(HttpMethod.Get, "/api/uploads/..%2F..%2Fetc%2Fpasswd"), Outcome.Http(HttpStatusCode.NotFound, "Upload not found")),
        ["upload: deleting another user's upload"] = (t => t.SendAsync(HttpMethod.Delete, $"/api/uploads/{t.Fixture.BobsUpload}"),
            Outcome.Http(HttpStatusCode.NotFound, "Upload not found")),
        ["upload: a task reading another user's upload"] = (t => t.UploadSourceAsync("/api/tasks", t.Fixture.BobsUpload, UploadTask),
            Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["upload: a batch task reading another user's upload"] = (t => t.UploadSourceAsync("/api/batches", t.Fixture.BobsUpload, UploadBatch),
            Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),
        ["upload: a schedule reading an upload"] = (t => t.UploadSourceAsync("/api/schedules", t.Fixture.BobsUpload, UploadSchedule),
            Outcome.Http(HttpStatusCode.BadRequest, "One or more validation errors occurred.")),

        ["flood: REST requests over the limit"] = (t => t.FloodAsync(), Outcome.Http(HttpStatusCode.TooManyRequests, "Too many requests")),
        ["flood: sockets over the per-user cap"] = (t => t.HoardSocketsAsync(null), Outcome.Http(HttpStatusCode.TooManyRequests)),

        ["error: a failure inside gives nothing away"] = (t => t.InternalFailureAsync(), Outcome.Http(HttpStatusCode.InternalServerError, "An error occurred while processing your request.")),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Fact]
    public void The_matrix_has_at_least_thirty_rows() => Assert.True(Cases.Count >= 30, $"{Cases.Count} rows");

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Bad_input_gets_its_exact_answer_and_changes_nothing(string name)
    {
        var before = await fixture.StateAsync();

        var outcome = await Cases[name].Act(this);
        var after = await fixture.StateAsync();
        var bystanderAnswers = await fixture.BystanderAnswersAsync();

        Assert.Equal(Cases[name].Expected, outcome);
        Assert.Equal(before, after);
        Assert.True(bystanderAnswers, $"the bystander's socket stopped answering: {fixture.Bystander.CloseStatus} {fixture.Bystander.CloseReason}");
    }

    private static string RsaToken()
    {
        using var key = RSA.Create(2048);
        return TestTokens.Rs256(key, "attacker", "alice", "orleans-tasks");
    }

    private static JsonObject WithField(JsonObject body, string name, JsonNode? value)
    {
        body[name] = value;
        return body;
    }

    private static JsonObject Source(string directory) => new()
    {
        ["collection"] = "files",
        ["source"] = new JsonObject { ["directory"] = directory, ["pattern"] = "*" },
    };

    /// <summary><paramref name="body"/>'s source with <c>delete_missing</c>, which only admins may ask for.</summary>
    private static JsonObject RemovingMissing(JsonObject body)
    {
        body["source"]!["delete_missing"] = true;
        return body;
    }

    private static byte[] UploadLines(int lines) => Encoding.UTF8.GetBytes(string.Concat(
        Enumerable.Range(0, lines).Select(i => $"{{\"id\":\"line-{i}\",\"content\":\"{new string('u', 40)}\"}}\n")));

    private static JsonObject UploadTask(Guid uploadId) => new()
    {
        ["collection"] = "uploads",
        ["source"] = new JsonObject { ["upload"] = uploadId.ToString() },
    };

    private static JsonObject UploadBatch(Guid uploadId)
    {
        var task = UploadTask(uploadId);
        task["ref"] = "upload";
        return BatchRequests.Body(BatchRequests.Task("inline", 1), task);
    }

    private static JsonObject UploadSchedule(Guid uploadId) => new() { ["every"] = "PT1H", ["task"] = UploadTask(uploadId) };

    /// <summary>
    /// Posts <paramref name="body"/> for <paramref name="uploadId"/>, and for an upload that does not exist:
    /// the two answers must be the same, field, message and all, so that an id gives nothing away.
    /// </summary>
    private async Task<Outcome> UploadSourceAsync(string path, Guid uploadId, Func<Guid, JsonObject> body)
    {
        var named = await ProblemTextAsync(path, body(uploadId));
        var unknown = await ProblemTextAsync(path, body(Guid.NewGuid()));
        Assert.Equal(unknown.Errors, named.Errors);
        return named.Outcome;
    }

    private async Task<(Outcome Outcome, string? Errors)> ProblemTextAsync(string path, JsonObject body)
    {
        using var client = Gateway.CreateHttpClient(TestTokens.Alice);
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        var errors = text.Length > 0 && JsonDocument.Parse(text).RootElement.TryGetProperty("errors", out var found) ? found.GetRawText() : null;
        return (Outcome.Http(response.StatusCode, await TitleAsync(response)), errors);
    }

    private async Task<Outcome> UploadAsync(string? token, byte[] body, string contentType)
    {
        using var client = Gateway.CreateHttpClient(token);
        var (status, answer) = await UploadRequests.SendAsync(client, body, contentType);
        return Outcome.Http(status, status == HttpStatusCode.Unauthorized ? null : answer.TryGetProperty("title", out var title) ? title.GetString() : null);
    }

    private async Task<Outcome> GetTasksAsync(string? token)
    {
        using var client = Gateway.CreateHttpClient(token);
        using var response = await client.GetAsync("/api/tasks");
        return Outcome.Http(response.StatusCode, await TitleAsync(response));
    }

    private async Task<Outcome> GetTasksWithAsync(AuthenticationHeaderValue authorization)
    {
        using var client = Gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tasks");
        request.Headers.Authorization = authorization;
        using var response = await client.SendAsync(request);
        return Outcome.Http(response.StatusCode, await TitleAsync(response));
    }

    private Task<Outcome> PostJsonAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, JsonContent.Create(body));

    private Task<Outcome> PostRawAsync(string path, string body, string contentType) =>
        SendAsync(HttpMethod.Post, path, new StringContent(body, Encoding.UTF8, contentType));

    private async Task<Outcome> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var client = Gateway.CreateHttpClient(TestTokens.Alice);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await client.SendAsync(request);
        return Outcome.Http(response.StatusCode, await TitleAsync(response));
    }

    private static async Task<string?> TitleAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(SecurityMatrixFixture.InternalSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        if (text.Length == 0 || response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return null;
        }

        return JsonDocument.Parse(text).RootElement.TryGetProperty("title", out var title) ? title.GetString() : null;
    }

    /// <summary>Opens a socket; a refused handshake is its HTTP status, an accepted one how the server closed it.</summary>
    private async Task<Outcome> SocketAsync(string pathAndQuery, string? origin = null, Func<ClientWebSocket, Task>? afterConnected = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        try
        {
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{Gateway.Port}{pathAndQuery}"), CancellationToken.None);
        }
        catch (WebSocketException)
        {
            return Outcome.Http(socket.HttpStatusCode);
        }

        var buffer = new byte[64 * 1024];
        if (afterConnected is not null)
        {
            var connected = await socket.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal(WebSocketMessageType.Text, connected.MessageType);
            await afterConnected(socket);
        }

        while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
        {
        }

        return Outcome.Close(socket.CloseStatus!.Value, socket.CloseStatusDescription ?? "");
    }

    private Task<Outcome> AliceSocketAsync(string origin) => SocketAsync($"/ws/task/{fixture.AlicesTask}?token={TestTokens.Alice}", origin);

    /// <summary>A socket on a task that never ends (the bystander's, seen as an admin), so that only the violation closes it.</summary>
    private Task<Outcome> AfterConnectedAsync(Func<ClientWebSocket, Task> violate) =>
        SocketAsync($"/ws/task/{WatchedTaskId()}?token={TestTokens.For("inspector", ["admin"])}", afterConnected: violate);

    private Guid WatchedTaskId() => Guid.Parse(fixture.Bystander.Messages.Count > 0
        ? fixture.Bystander.Messages[0].GetProperty("task_id").GetString()!
        : throw new InvalidOperationException("The bystander has not been told its task."));

    private async Task<Outcome> ReplayTicketAsync()
    {
        using var client = Gateway.CreateHttpClient(TestTokens.Alice);
        using var response = await client.PostAsync("/api/ws-tickets", null);
        var ticket = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket").GetString()!;
        var first = await SocketAsync($"/ws/task/{fixture.AlicesTask}?ticket={ticket}");
        Assert.Equal(Outcome.Close(WebSocketCloseStatus.NormalClosure, "Task finished"), first);
        return await SocketAsync($"/ws/task/{fixture.AlicesTask}?ticket={ticket}");
    }

    private async Task<string> TicketAsync(string token)
    {
        using var client = Gateway.CreateHttpClient(token);
        using var response = await client.PostAsync("/api/ws-tickets", null);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket").GetString()!;
    }

    /// <summary>A ticket used once on <c>/ws/tasks</c> (the feed never ends by itself: the client leaves), then again.</summary>
    private async Task<Outcome> ReplayFeedTicketAsync()
    {
        var ticket = await TicketAsync(TestTokens.Alice);
        await using (var first = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{Gateway.Port}/ws/tasks?ticket={ticket}")))
        {
            Assert.Equal("connected", MessageAssert.Type((await first.ReceiveAsync())!.Value));
        }

        return await SocketAsync($"/ws/tasks?ticket={ticket}");
    }

    private async Task<Outcome> FeedWithTicketAsync(string query) => await SocketAsync($"/ws/tasks?{query}&ticket={await TicketAsync(TestTokens.Alice)}");

    /// <summary>A ticket of alice's whose lifetime has ended (issued on the ticket grain as the gateway does, with none left).</summary>
    private async Task<Outcome> ExpiredTicketAsync(string path)
    {
        var ticket = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var grains = Gateway.Services.GetRequiredService<IGrainFactory>();
        var issued = await grains.GetGrain<ISocketTicketGrain>(Auth.SocketTickets.GrainKey(ticket))
            .IssueFor(new TicketHolder("alice", [], DateTimeOffset.UtcNow.AddHours(1)), -TimeSpan.FromSeconds(1));
        Assert.True(issued);
        return await SocketAsync($"{path}?ticket={ticket}");
    }

    private async Task<Outcome> FloodAsync()
    {
        using var flooder = Gateway.CreateHttpClient(TestTokens.For("flooder-" + Guid.NewGuid().ToString("N")[..6]));
        for (var i = 0; i < 200; i++)
        {
            using var response = await flooder.GetAsync("/api/tasks?limit=1");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.True(response.Headers.RetryAfter is not null, "429 without Retry-After");
                return Outcome.Http(response.StatusCode, await TitleAsync(response));
            }
        }

        return Outcome.Http(HttpStatusCode.OK);
    }

    /// <summary>Holds as many sockets as the cap allows on <paramref name="path"/> (the watched task's by default), then opens one more.</summary>
    private async Task<Outcome> HoardSocketsAsync(string? path)
    {
        var hoarder = TestTokens.For("hoarder", ["admin"]);
        path ??= $"/ws/task/{WatchedTaskId()}";
        var held = new List<SocketClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                held.Add(await SocketClient.ConnectAsync(Gateway.SocketUri(path, hoarder)));
                await held[^1].ReceiveAsync();
            }

            return await SocketAsync($"{path}?token={hoarder}");
        }
        finally
        {
            foreach (var socket in held)
            {
                await socket.DisposeAsync();
            }
        }
    }

    private Task<Outcome> InternalFailureAsync() => SendAsync(HttpMethod.Get, "/api/test/failure");
}
