using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// docker/compose.yaml as an operator without registry access runs it: a Docker engine of the
/// test's own, base images from debootstrap, the applications published on this host, Compose
/// 1.29; then a silo and a gateway killed under watched tasks, a silo's process dying and its
/// restart policy bringing it back, a silo stopped under a task draining it, bad settings, the site
/// taken down and up again with its TLS profile and its signing key from a secret, and restored
/// from a backup into a fresh volume.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed partial class ComposeSiteTests
{
    /// <summary>Documents (above the default Tasks:MaxDocuments, raised for the site) and words per document of a task: long enough that each kill lands well inside it.</summary>
    private const int Documents = 30_000;
    private const int Words = 60;
    private const string Password = "compose-site-password";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(3);

    /// <summary>What the site's test may take in CI, base images and all.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task The_site_builds_without_a_registry_and_keeps_its_promises_through_silo_and_gateway_kills_and_a_restart()
    {
        var dockerd = SystemDependencies.Dockerd();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var engine = await DockerEngine.StartAsync(dockerd);
        var port = FreePorts.Next();
        var variables = await PrepareAsync(engine, port);
        var site = new ComposeSite(engine, variables);
        try
        {
            await Refuses_to_start_without_a_signing_key_or_a_database_password(engine, site);
            await The_postgres_image_honours_its_variables_and_a_custom_PGDATA(engine);
            await site.RunOrFailAsync("build");
            await site.RunOrFailAsync("up", "-d", "--scale", "silo=3");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitUntilReadyAsync(site, http, silos: 3);
            http.DefaultRequestHeaders.Authorization = new("Bearer", await SignInAsync(http, "demo"));
            var operatorCookie = await Every_gateway_behind_nginx_accepts_the_operator_cookie(http);

            var first = await A_silo_killed_under_a_task_loses_nothing(site, http, port);
            var second = await A_killed_gateway_s_socket_reconnects_through_nginx(site, http, port);
            await A_silo_whose_process_dies_is_brought_back_by_its_restart_policy(site, http);
            await A_silo_stopped_under_a_task_drains_it_and_exits_within_its_grace_period(site, http, port);
            await Bad_settings_stop_a_container_with_one_line(site, engine.Directory);

            await site.RunOrFailAsync("down");
            await CommandLine.RunOrFailAsync("bash", ["docker/make-certificates.sh", variables["ORLEANSTASKS_TLS_DIR"]], engine.Environment, TimeSpan.FromMinutes(1));
            site.Tls = true;
            TakeTheSigningKeyFromTheSecret(variables, engine.Directory);
            await site.RunOrFailAsync("up", "-d");
            await WaitUntilReadyAsync(site, http, silos: 2);
            using var https = HttpsClient(variables);
            https.DefaultRequestHeaders.Authorization = new("Bearer", await SignInAsync(https, "demo"));
            await History_results_and_search_survived(https, first, second);
            await AssertDashboardOpensAsync(https, operatorCookie, "after down and up (the key ring is in its volume)");
            await With_the_TLS_profile_the_cluster_uses_its_certificates_and_nginx_serves_https(site, https, second);
            await Plain_http_redirects_to_https_and_untrusted_peers_are_refused(site, engine, variables, port);

            await Restored_from_a_pg_dump_backup_into_a_fresh_volume(site, engine.Directory);
            await WaitUntilReadyAsync(site, http, silos: 2);
            await History_results_and_search_survived(https, first, second);
            Console.WriteLine($"ComposeSiteTests: the whole site's test took {clock.Elapsed.TotalMinutes:F1} min (budget {Budget.TotalMinutes} min)");
            Assert.True(clock.Elapsed < Budget, $"the site's test took {clock.Elapsed.TotalMinutes:F1} min, beyond its budget of {Budget.TotalMinutes} min");
        }
        finally
        {
            await site.RunAsync("down", "-v", "--rmi", "all", "--timeout", "10");
        }
    }

    /// <summary>Base images from Debian packages, the applications published, a users file: what README's air-gapped path does.</summary>
    private static async Task<Dictionary<string, string>> PrepareAsync(DockerEngine engine, int port)
    {
        var publish = Path.Combine(engine.Directory, "publish");
        var environment = engine.Environment;
        environment["ORLEANSTASKS_PUBLISH_DIR"] = publish;
        await Task.WhenAll(
            CommandLine.RunOrFailAsync("bash", ["docker/publish.sh"], environment, BuildTimeout),
            CommandLine.RunOrFailAsync("bash", ["docker/build-base-images.sh"], environment, BuildTimeout));
        var users = Path.Combine(engine.Directory, "users.json");
        await CommandLine.RunOrFailAsync("bash", ["-c", $"echo '{Password}' | docker/add-user.sh '{users}' demo"], environment, TimeSpan.FromMinutes(1));
        await CommandLine.RunOrFailAsync("bash", ["-c", $"echo '{Password}' | docker/add-user.sh '{users}' operator admin"], environment, TimeSpan.FromMinutes(1));
        var signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        await WriteSigningKeySecretAsync(engine.Directory, signingKey);
        return new Dictionary<string, string>
        {
            ["ORLEANSTASKS_PUBLISH_DIR"] = publish,
            ["ORLEANSTASKS_RUNTIME_IMAGE"] = "orleans-tasks/runtime-base:local",
            ["ORLEANSTASKS_POSTGRES_IMAGE"] = "orleans-tasks/postgres:local",
            ["ORLEANSTASKS_MAX_DOCUMENTS"] = Documents.ToString(CultureInfo.InvariantCulture),
            ["ORLEANSTASKS_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["ORLEANSTASKS_HTTPS_PORT"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["ORLEANSTASKS_TLS_DIR"] = Path.Combine(engine.Directory, "tls"),
            // Relative to docker/, as README writes it: compose resolves it from the compose file's directory.
            ["USERS_FILE"] = RelativeToComposeFile(users),
            ["SIGNING_KEY"] = signingKey,
            ["POSTGRES_PASSWORD"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
        };
    }

    /// <summary>An admin's operator cookie, issued by one gateway, opens the dashboard on every request through nginx (all gateways share the key ring).</summary>
    private static async Task<string> Every_gateway_behind_nginx_accepts_the_operator_cookie(HttpClient http)
    {
        using var exchange = new HttpRequestMessage(HttpMethod.Post, "/api/operator-session");
        exchange.Headers.Authorization = new("Bearer", await SignInAsync(http, "operator"));
        using var session = await http.SendAsync(exchange);
        Assert.True(session.StatusCode == System.Net.HttpStatusCode.NoContent, $"operator-session answered {(int)session.StatusCode}");
        var cookie = session.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

        await AssertDashboardOpensAsync(http, cookie, "through nginx");
        return cookie;
    }

    private static async Task AssertDashboardOpensAsync(HttpClient http, string cookie, string when)
    {
        var statuses = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            using var page = new HttpRequestMessage(HttpMethod.Get, "/orleans/");
            page.Headers.Add("Cookie", cookie);
            using var response = await http.SendAsync(page);
            statuses.Add((int)response.StatusCode);
        }

        Assert.True(statuses.All(status => status == 200), $"GET /orleans/ with the operator cookie {when} answered {string.Join(", ", statuses)}");
    }

    private static async Task<Guid> A_silo_killed_under_a_task_loses_nothing(ComposeSite site, HttpClient http, int port)
    {
        var (taskId, collection) = await CreateTaskAsync(http);
        await using var socket = await ConnectAsync(port, http, taskId);
        var victim = await SiloRunningAsync(site, taskId);
        await WaitForProgressAsync(socket, taskId, minimum: 10);

        var beforeKill = await TaskRequests.GetAsync(http, taskId);
        var reading = socket.ReceiveUntilClosedAsync(TaskTimeout);
        await site.KillAsync(victim);
        var rest = await reading;

        Assert.True(beforeKill.GetProperty("status").GetString() == "processing", $"the task had ended before its silo was killed: {beforeKill}");
        AssertCompletedOnce(taskId, socket, rest);
        await AssertEveryDocumentWrittenOnceAsync(site, collection);
        return taskId;
    }

    private static async Task<Guid> A_killed_gateway_s_socket_reconnects_through_nginx(ComposeSite site, HttpClient http, int port)
    {
        var (taskId, collection) = await CreateTaskAsync(http);
        var before = await ConnectAsync(port, http, taskId);
        var last = await WaitForProgressAsync(before, taskId, minimum: 1);
        var gateway = await GatewayHoldingTheSocketAsync(site);

        await site.KillAsync(gateway);
        await Deadline.RunAsync(async _ => { while (await ReceiveOrDroppedAsync(before) is { } message) { last = message; } }, TimeSpan.FromMinutes(1), "the socket on the killed gateway to drop");
        await before.DisposeAsync();
        Assert.True(MessageAssert.Type(last) == "progress", $"the killed gateway's socket ended with {MessageAssert.Type(last)}, not mid-task: make the task longer");
        await using var after = await Deadline.RunAsync(_ => ConnectEventuallyAsync(port, http, taskId), TimeSpan.FromMinutes(1), "a socket through nginx to the other gateway");
        var connected = await after.ReceiveAsync() ?? throw new InvalidOperationException("closed before connected");
        var rest = await after.ReceiveUntilClosedAsync(TaskTimeout);

        MessageAssert.IsConnected(connected, taskId);
        Assert.True(MessageAssert.Seq(connected) >= MessageAssert.Seq(last), $"connected seq {MessageAssert.Seq(connected)} after seq {MessageAssert.Seq(last)}");
        Assert.True(connected.GetProperty("current").GetInt32() >= last.GetProperty("current").GetInt32(), "the snapshot went back in progress");
        AssertCompletedOnce(taskId, after, rest);
        await AssertEveryDocumentWrittenOnceAsync(site, collection);
        return taskId;
    }

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

    /// <summary>README's backup and restore, word for word.</summary>
    private static async Task Restored_from_a_pg_dump_backup_into_a_fresh_volume(ComposeSite site, string directory)
    {
        var backup = Path.Combine(directory, "orleans-tasks.dump");
        await site.ShellOrFailAsync($$"""
            $C exec -T postgres pg_dump -U orleans -Fc --exclude-table-data=orleans_membership orleans_tasks > '{{backup}}'
            $C exec -T postgres pg_restore -l < '{{backup}}' > /dev/null
            """);
        await site.ShellOrFailAsync($$"""
            $C down -v && $C up -d postgres
            until $C exec -T postgres pg_isready -h 127.0.0.1 -U orleans -d orleans_tasks; do sleep 1; done
            $C exec -T postgres pg_restore -U orleans -d orleans_tasks --no-owner < '{{backup}}'
            $C up -d
            """);
    }

    /// <summary>Every container healthy by the file's own health checks, then the cluster counting <paramref name="silos"/> active silos.</summary>
    private static async Task WaitUntilReadyAsync(ComposeSite site, HttpClient http, int silos)
    {
        var health = new List<(string Service, string Health)>();
        try
        {
            await Eventually.TrueAsync($"postgres, {silos} silos, 2 gateways and nginx to be healthy by their health checks", async () =>
            {
                health = await site.HealthAsync();
                var ready = health.All(container => container.Health == "healthy")
                    && health.Count(container => container.Service == "silo") == silos
                    && health.Count(container => container.Service == "gateway") == 2
                    && health.Count == silos + 4;
                if (!ready)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }

                return ready;
            }, TimeSpan.FromMinutes(4));
        }
        catch (TimeoutException timeout)
        {
            Assert.Fail($"{timeout.Message}; last seen: {string.Join(", ", health)}");
        }

        await WaitUntilTheClusterCountsAsync(http, silos);
    }

    private static async Task WaitUntilTheClusterCountsAsync(HttpClient http, int silos) =>
        await Eventually.TrueAsync($"{http.BaseAddress}health/ready to report {silos} active silos", async () =>
        {
            try
            {
                return (await http.GetStringAsync("/health/ready")).Contains($"{silos} active silo(s)", StringComparison.Ordinal);
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromMinutes(3));

    private static async Task<string> SignInAsync(HttpClient http, string username)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/token", new { username, password = Password });
        Assert.True(response.IsSuccessStatusCode, $"sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private static async Task<(Guid TaskId, string Collection)> CreateTaskAsync(HttpClient http)
    {
        var body = TaskRequests.Body(Documents, words: Words);
        return (await TaskRequests.CreateAsync(http, body), body["collection"]!.GetValue<string>());
    }

    private static Uri SocketUri(int port, HttpClient http, Guid taskId) =>
        new($"ws://127.0.0.1:{port}/ws/task/{taskId}?token={http.DefaultRequestHeaders.Authorization!.Parameter}");

    private static Task<SocketClient> ConnectAsync(int port, HttpClient http, Guid taskId) => SocketClient.ConnectAsync(SocketUri(port, http, taskId));

    private static async Task<SocketClient> ConnectEventuallyAsync(int port, HttpClient http, Guid taskId)
    {
        while (true)
        {
            try
            {
                return await ConnectAsync(port, http, taskId);
            }
            catch (WebSocketException)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The next message; null once the socket has closed or dropped.</summary>
    private static async Task<JsonElement?> ReceiveOrDroppedAsync(SocketClient socket)
    {
        try
        {
            return await socket.ReceiveAsync(TimeSpan.FromMinutes(1));
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    /// <summary>Reads progress until it reaches <paramref name="minimum"/> percent; returns that message.</summary>
    private static async Task<JsonElement> WaitForProgressAsync(SocketClient socket, Guid taskId, int minimum)
    {
        while (true)
        {
            var message = await socket.ReceiveAsync(TimeSpan.FromMinutes(1)) ?? throw new InvalidOperationException("the socket closed before the task made progress");
            var type = MessageAssert.Type(message);
            Assert.True(type is "connected" or "progress", $"the task ended ({type}) before the fault: make it longer");
            if (type == "progress" && message.GetProperty("progress").GetInt32() >= minimum)
            {
                MessageAssert.IsProgress(message, taskId);
                return message;
            }
        }
    }

    /// <summary>The silo container that logged the task's acceptance.</summary>
    private static async Task<string> SiloRunningAsync(ComposeSite site, Guid taskId)
    {
        string? found = null;
        await Eventually.TrueAsync($"a silo to log that it accepted task {taskId}", async () =>
        {
            foreach (var container in await site.ContainersAsync("silo"))
            {
                if ((await site.LogsAsync(container)).Contains($"Task {taskId} accepted", StringComparison.Ordinal))
                {
                    found = container;
                }
            }

            return found is not null;
        }, TimeSpan.FromMinutes(1));
        return found!;
    }

    /// <summary>The gateway container whose metrics count the one open socket.</summary>
    private static async Task<string> GatewayHoldingTheSocketAsync(ComposeSite site)
    {
        using var metrics = new HttpClient();
        string? found = null;
        await Eventually.TrueAsync("one gateway to count the open socket in its metrics", async () =>
        {
            var holding = new List<string>();
            foreach (var container in await site.ContainersAsync("gateway"))
            {
                if (await site.OpenSocketsAsync(metrics, container) == 1)
                {
                    holding.Add(container);
                }
            }

            found = holding.Count == 1 ? holding[0] : null;
            return found is not null;
        }, TimeSpan.FromMinutes(1));
        return found!;
    }

    private static void AssertCompletedOnce(Guid taskId, SocketClient socket, List<JsonElement> tail)
    {
        var all = socket.Messages;
        Assert.True(tail.Count > 0 && MessageAssert.Type(tail[^1]) == "complete",
            $"the socket closed ({socket.CloseStatus} {socket.CloseReason}) after {(tail.Count > 0 ? MessageAssert.Type(tail[^1]) : "nothing")}, not after complete");
        MessageAssert.IsComplete(tail[^1], taskId);
        Assert.Single(all, m => MessageAssert.Type(m) is "complete" or "error" or "cancelled");
        MessageAssert.AreOrdered(all);
        Assert.Equal(Documents, tail[^1].GetProperty("result").GetProperty("success").GetInt32());
    }

    private static async Task AssertEveryDocumentWrittenOnceAsync(ComposeSite site, string collection)
    {
        var counts = await site.QueryAsync($"SELECT count(*) || ' ' || max(write_count) FROM documents WHERE collection = '{collection}'");
        Assert.Equal($"{Documents} 1", counts);
    }

    private static void AssertOneLine(CommandLine.Result result, string prefix, string named)
    {
        Assert.True(result.ExitCode != 0, $"exit code {result.ExitCode}:\n{result.Tail}");
        var line = Assert.Single(result.Output.Split('\n'), l => l.Contains(prefix, StringComparison.Ordinal));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }
}

/// <summary>The compose site test loads both cores for minutes with image builds and containers: it runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DockerCollection
{
    public const string Name = "docker";
}
