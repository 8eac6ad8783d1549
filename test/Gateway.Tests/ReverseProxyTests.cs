using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.RegularExpressions;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The gateway behind nginx configured from docker/nginx/orleans-tasks.conf (with the locations it includes), TLS left out.</summary>
public sealed partial class ReverseProxyTests
{
    [GeneratedRegex(@"\s*ssl_certificate[^;]*;|\s*http2 on;")]
    private static partial Regex TlsLines();

    [Fact]
    public async Task Through_the_sample_nginx_configuration_sockets_work_origins_are_judged_as_the_browser_sees_them_and_tokens_stay_out_of_its_log()
    {
        var nginx = SystemDependencies.Nginx();
        await using var gateway = new GatewayFactory(environment: "Production");
        gateway.StartServer();
        using var proxy = await NginxProcess.StartAsync(nginx, gateway.Port);
        using var alice = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Port}") };
        alice.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(20));
        await TaskRequests.WaitForEndAsync(alice, taskId);
        var proxied = new Uri($"ws://127.0.0.1:{proxy.Port}/ws/task/{taskId}?token={TestTokens.Alice}");

        await using var sameOrigin = await SocketClient.ConnectAsync(proxied, origin: $"http://127.0.0.1:{proxy.Port}");
        var messages = await sameOrigin.ReceiveUntilClosedAsync();
        var foreign = await Assert.ThrowsAsync<WebSocketException>(() => SocketClient.ConnectAsync(proxied, origin: "http://evil.example"));
        var bypassing = await Assert.ThrowsAsync<WebSocketException>(() => SocketClient.ConnectAsync(
            gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice), origin: $"http://127.0.0.1:{proxy.Port}"));
        var log = await proxy.ReadSocketLogAsync();

        Assert.Equal(["connected", "complete"], messages.Select(MessageAssert.Type));
        Assert.Contains("403", foreign.Message, StringComparison.Ordinal);
        Assert.Contains("403", bypassing.Message, StringComparison.Ordinal);
        Assert.Contains($"/ws/task/{taskId}", log, StringComparison.Ordinal);
        Assert.DoesNotContain(TestTokens.Alice, log, StringComparison.Ordinal);
    }

    /// <summary>
    /// A browser-like socket (no frames of its own) watching a task that waits to run hears nothing but the gateway's pings for longer
    /// than nginx's <c>proxy_read_timeout</c> (read from the sample locations), and nginx keeps it
    /// open: the pings are what keep an idle socket alive, so that the timeout can be short enough
    /// for a client behind a dead gateway to notice soon and reconnect.
    /// </summary>
    [Fact]
    public async Task A_socket_silent_for_longer_than_nginxs_read_timeout_is_kept_open_by_the_gateways_pings()
    {
        var nginx = SystemDependencies.Nginx();
        var readTimeout = ProxyReadTimeout();
        await using var gateway = new GatewayFactory(environment: "Production");
        gateway.StartServer();
        using var proxy = await NginxProcess.StartAsync(nginx, gateway.Port);
        using var alice = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Port}") };
        alice.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var body = TaskRequests.Body(5);
        body["run_at"] = DateTimeOffset.UtcNow.Add(readTimeout + TimeSpan.FromSeconds(10)).ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        var taskId = await TaskRequests.CreateAsync(alice, body);

        // As a browser's: no frames of the client's own, which would keep nginx's timer from running out.
        await using var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port}/ws/task/{taskId}?token={TestTokens.Alice}"), keepAlive: false);
        var arrivals = new List<(DateTimeOffset At, string Type)>();
        while (await socket.ReceiveAsync(readTimeout * 2 + TimeSpan.FromSeconds(30)) is { } message)
        {
            arrivals.Add((DateTimeOffset.UtcNow, MessageAssert.Type(message)));
        }

        Assert.True(arrivals.Count >= 2, $"the socket closed after {arrivals.Count} message(s), before the task's end: {string.Join(", ", arrivals.Select(arrival => arrival.Type))}");
        var longestSilence = arrivals.Zip(arrivals.Skip(1), (earlier, later) => later.At - earlier.At).DefaultIfEmpty().Max();
        Assert.Equal("complete", arrivals[^1].Type);
        Assert.True(longestSilence > readTimeout, $"the socket was never silent longer than nginx's {readTimeout.TotalSeconds} s read timeout (longest {longestSilence.TotalSeconds:F1} s): the test proved nothing");
    }

    /// <summary>proxy_read_timeout of the WebSocket location in docker/nginx/orleans-tasks-locations.conf.</summary>
    private static TimeSpan ProxyReadTimeout()
    {
        var locations = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docker", "nginx", "orleans-tasks-locations.conf"));
        var match = ReadTimeoutLine().Match(locations);
        Assert.True(match.Success, "docker/nginx/orleans-tasks-locations.conf sets no proxy_read_timeout in seconds");
        return TimeSpan.FromSeconds(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"proxy_read_timeout (\d+)s;")]
    private static partial Regex ReadTimeoutLine();

    /// <summary>An nginx master process on a private directory and a free port, running the sample server block.</summary>
    private sealed class NginxProcess : IDisposable
    {
        private readonly Process _process;
        private readonly string _directory;

        private NginxProcess(Process process, string directory, int port)
        {
            _process = process;
            _directory = directory;
            Port = port;
        }

        public int Port { get; }

        public static async Task<NginxProcess> StartAsync(string nginx, int gatewayPort)
        {
            var directory = Directory.CreateTempSubdirectory("orleans-tasks-nginx-").FullName;
            var port = FreePorts.Next();
            var folder = Path.Combine(RepositoryPaths.Root, "docker", "nginx");
            var sample = File.ReadAllText(Path.Combine(folder, "orleans-tasks.conf")).Replace(
                "include /etc/nginx/snippets/orleans-tasks-locations.conf;",
                File.ReadAllText(Path.Combine(folder, "orleans-tasks-locations.conf")),
                StringComparison.Ordinal);
            var server = TlsLines().Replace(sample, "")
                .Replace("listen 443 ssl;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal)
                .Replace("server 127.0.0.1:8800;", $"server 127.0.0.1:{gatewayPort};", StringComparison.Ordinal)
                .Replace("/var/log/nginx/", directory + "/", StringComparison.Ordinal);
            var user = Environment.UserName == "root" ? "user root;" : "";
            File.WriteAllText(Path.Combine(directory, "nginx.conf"), $$"""
                {{user}}
                daemon off;
                pid {{directory}}/nginx.pid;
                error_log {{directory}}/error.log;
                events { worker_connections 256; }
                http {
                    log_format ws_without_query '$remote_addr - [$time_local] "$request_method $uri" $status $body_bytes_sent';
                    access_log {{directory}}/access.log;
                    client_body_temp_path {{directory}}/body;
                    proxy_temp_path {{directory}}/proxy;
                    fastcgi_temp_path {{directory}}/fastcgi;
                    uwsgi_temp_path {{directory}}/uwsgi;
                    scgi_temp_path {{directory}}/scgi;
                {{server}}
                }
                """);
            var process = Process.Start(new ProcessStartInfo(nginx, ["-p", directory, "-c", Path.Combine(directory, "nginx.conf")])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            var proxy = new NginxProcess(process, directory, port);
            await proxy.WaitUntilListeningAsync();
            return proxy;
        }

        public async Task<string> ReadSocketLogAsync()
        {
            var path = Path.Combine(_directory, "orleans-tasks-ws.log");
            await Eventually.TrueAsync(() => File.Exists(path) && new FileInfo(path).Length > 0);
            return await File.ReadAllTextAsync(path);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }

        private async Task WaitUntilListeningAsync()
        {
            await Eventually.TrueAsync(async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"nginx exited: {await _process.StandardError.ReadToEndAsync()}");
                }

                try
                {
                    using var client = new System.Net.Sockets.TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, Port);
                    return true;
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(20));
        }
    }
}
