using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Feeds;
using OrleansTasks.Gateway.WebSockets;

using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>Tests that need a gateway of their own: limits, production settings, shutdown.</summary>
public sealed class GatewayLifecycleTests
{
    [Fact]
    public async Task Connection_caps_refuse_before_the_upgrade_with_429_per_user_and_503_in_total()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Gateway:MaxConnectionsPerUser"] = "2",
            ["Gateway:MaxConnections"] = "3",
        });
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        // A task that waits an hour keeps its sockets open: one that runs could end first and close them.
        var taskId = await TaskRequests.CreateAsync(alice, WaitingAnHour());
        var uri = (string token) => gateway.SocketUri($"/ws/task/{taskId}", token);
        await using var first = await SocketClient.ConnectAsync(uri(TestTokens.Alice));
        await using var second = await SocketClient.ConnectAsync(uri(TestTokens.Alice));

        var perUser = await Assert.ThrowsAsync<WebSocketException>(() => SocketClient.ConnectAsync(uri(TestTokens.Alice)));
        await using var bobs = await SocketClient.ConnectAsync(uri(TestTokens.Bob));
        var total = await Assert.ThrowsAsync<WebSocketException>(() => SocketClient.ConnectAsync(uri(TestTokens.Admin)));
        await alice.PostAsync($"/api/tasks/{taskId}/cancel", null);

        Assert.Contains("429", perUser.Message, StringComparison.Ordinal);
        Assert.Contains("503", total.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_that_expires_while_open_closes_the_socket_with_1008()
    {
        // The sockets' clock is the test's, so the token expires exactly when the test says.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayFactory(services: services => services.AddSingleton(provider =>
            ActivatorUtilities.CreateInstance<SocketServices>(provider, (TimeProvider)clock)));
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        // A task that waits an hour: nothing but the token's expiry can end this socket.
        var taskId = await TaskRequests.CreateAsync(alice, WaitingAnHour());
        var shortLived = TestTokens.For("alice", expires: DateTime.UtcNow.AddMinutes(5));
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", shortLived));
        Assert.Equal("connected", MessageAssert.Type((await socket.ReceiveAsync())!.Value));

        clock.Advance(TimeSpan.FromMinutes(4));
        var stillOpen = socket.Socket.State;
        clock.Advance(TimeSpan.FromMinutes(2));
        var messages = await socket.ReceiveUntilClosedAsync();
        await alice.PostAsync($"/api/tasks/{taskId}/cancel", null);

        Assert.Equal(WebSocketState.Open, stillOpen);
        Assert.DoesNotContain(messages, m => MessageAssert.Type(m) is "complete" or "cancelled");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Equal("Authentication failed", socket.CloseReason);
    }

    [Fact]
    public async Task A_directory_source_under_a_configured_root_is_indexed_and_one_outside_is_refused()
    {
        var root = Directory.CreateTempSubdirectory("orleans-tasks-root-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(root, "one.md"), "first file about grains");
            File.WriteAllText(Path.Combine(root, "two.md"), "second file about silos");
            await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Tasks:SourceRoots:0"] = root });
            using var alice = gateway.CreateHttpClient(TestTokens.Alice);

            var taskId = await TaskRequests.CreateAsync(alice, new System.Text.Json.Nodes.JsonObject
            {
                ["collection"] = "files",
                ["source"] = new System.Text.Json.Nodes.JsonObject { ["directory"] = root, ["pattern"] = "*.md" },
            });
            var task = await TaskRequests.WaitForEndAsync(alice, taskId);
            using var outside = await alice.PostAsJsonAsync("/api/tasks", new { collection = "files", source = new { directory = "/etc", pattern = "*" } });

            Assert.Equal("completed", task.GetProperty("status").GetString());
            Assert.Equal(2, task.GetProperty("counts").GetProperty("indexed").GetInt32());
            Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_terminal_event_lost_by_the_stream_still_reaches_the_socket_through_reconciliation()
    {
        await using var gateway = new GatewayFactory(
            new Dictionary<string, string?> { ["Gateway:StreamSilenceTimeout"] = "00:00:01" },
            services: services => services.AddSingleton<IFeedEventFilter, DropTerminalEvents>().AddFaultInjection());
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        // Paced (at least 2.5 s for its documents), so that the task still runs when the socket connects: one
        // connected after the end hears it from the snapshot, and nothing is reconciled.
        gateway.Services.GetRequiredService<FaultPlan>().PaceIndex("paced", TimeSpan.FromMilliseconds(5));
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(500, collection: "paced"));
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice));

        var messages = await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(60));

        var connectedTo = messages.Count > 0 ? messages[0].GetProperty("current_status").GetString() : null;
        Assert.True(connectedTo is "pending" or "processing",
            $"the socket connected to a task {connectedTo ?? "it never heard of"}, not one running: nothing was left to reconcile");
        Assert.True(DropTerminalEvents.Dropped > 0, "the filter never saw the terminal event");
        MessageAssert.IsComplete(messages[^1], taskId);
        MessageAssert.AreOrdered(messages);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    private sealed class DropTerminalEvents : IFeedEventFilter
    {
        private static int _dropped;

        public static int Dropped => Volatile.Read(ref _dropped);

        public bool Deliver(IFeedSnapshot snapshot)
        {
            if (!snapshot.IsTerminal)
            {
                return true;
            }

            Interlocked.Increment(ref _dropped);
            return false;
        }
    }

    [Fact]
    public async Task Shutting_down_closes_open_sockets_with_1001()
    {
        var gateway = new GatewayFactory();
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        // A task that waits an hour keeps its socket open until the shutdown: one that runs could end first and close it.
        var taskId = await TaskRequests.CreateAsync(alice, WaitingAnHour());
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice));
        Assert.Equal("connected", MessageAssert.Type((await socket.ReceiveAsync())!.Value));

        var reading = socket.ReceiveUntilClosedAsync();
        var stopping = gateway.DisposeAsync().AsTask();
        await reading;
        await stopping;

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);
        Assert.Equal("Going away", socket.CloseReason);
    }

    [Fact]
    public async Task Shutting_down_while_a_task_streams_progress_closes_its_socket_with_1001()
    {
        var gateway = new GatewayFactory(services: services => services.AddFaultInjection());
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        // Paced (at least 20 s for its documents), so that progress still streams when the shutdown comes.
        gateway.Services.GetRequiredService<FaultPlan>().PaceIndex("streaming", TimeSpan.FromMilliseconds(5));
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(4000, collection: "streaming"));
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice));
        await Deadline.RunAsync(
            async _ =>
            {
                while (await socket.ReceiveAsync(TimeSpan.FromSeconds(30)) is { } message)
                {
                    Assert.False(MessageAssert.Type(message) is "complete" or "error" or "cancelled", $"the task ended before the shutdown: {message}");
                    if (MessageAssert.Type(message) == "progress" && message.GetProperty("current").GetInt32() > 0)
                    {
                        return;
                    }
                }

                throw new InvalidOperationException("The socket closed before the task reported progress.");
            },
            TimeSpan.FromSeconds(60),
            "the task's first progress");

        var reading = socket.ReceiveUntilClosedAsync();
        var stopping = gateway.DisposeAsync().AsTask();
        var rest = await reading;
        await stopping;

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);
        Assert.Equal("Going away", socket.CloseReason);
        Assert.DoesNotContain(rest, message => MessageAssert.Type(message) is "complete" or "error" or "cancelled");
    }

    [Fact]
    public async Task In_production_token_issuing_is_off_without_users_and_null_origins_are_refused()
    {
        await using var gateway = new GatewayFactory(environment: "Production");
        using var anonymous = gateway.CreateHttpClient();
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(1));

        using var token = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "demo", password = "demo-password" });
        var nullOrigin = await Assert.ThrowsAsync<WebSocketException>(() =>
            SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice), "null"));
        var localhost = await Assert.ThrowsAsync<WebSocketException>(() =>
            SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice), "http://localhost:5173"));

        Assert.Equal(HttpStatusCode.NotFound, token.StatusCode);
        Assert.Contains("403", nullOrigin.Message, StringComparison.Ordinal);
        Assert.Contains("403", localhost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listed_origins_are_allowed_in_production()
    {
        await using var gateway = new GatewayFactory(
            new Dictionary<string, string?> { ["Gateway:AllowedOrigins:0"] = "https://app.example.com", ["Gateway:AllowedOrigins:1"] = "null" },
            environment: "Production");
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(1));
        await TaskRequests.WaitForEndAsync(alice, taskId);

        foreach (var origin in new[] { "https://app.example.com", "HTTPS://APP.EXAMPLE.COM:443", "null" })
        {
            await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice), origin);
            Assert.Equal(2, (await socket.ReceiveUntilClosedAsync()).Count);
        }

        var lookalike = await Assert.ThrowsAsync<WebSocketException>(() =>
            SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice), "https://app.example.com.evil.test"));
        Assert.Contains("403", lookalike.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_a_missing_signing_key_stops_the_start_with_one_line()
    {
        var gatewayDll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [gatewayDll, "--urls", $"http://127.0.0.1:{GatewayFactory.FreePort()}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Path.GetDirectoryName(gatewayDll),
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment.Remove("Auth__SigningKey");

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await Deadline.RunAsync(process.WaitForExitAsync, TimeSpan.FromSeconds(60), "the gateway without a signing key to exit");
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(1, process.ExitCode);
        var line = Assert.Single(lines);
        Assert.Contains("Auth:SigningKey", line, StringComparison.Ordinal);
    }

    /// <summary>A one-document task that waits an hour before it runs.</summary>
    private static System.Text.Json.Nodes.JsonObject WaitingAnHour()
    {
        var body = TaskRequests.Body(1);
        body["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return body;
    }
}
