using System.Globalization;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// docker/compose.yaml run with Debian's Compose 1.29 (<c>docker-compose</c>) against a
/// <see cref="DockerEngine"/>, configured through the variables the README gives an operator.
/// </summary>
public sealed partial class ComposeSite(DockerEngine engine, IReadOnlyDictionary<string, string> variables)
{
    /// <summary>README's project name (<c>-p orleans-tasks</c>), which its commands name in their label filters.</summary>
    public const string Project = "orleans-tasks";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);
    private readonly DockerEngine _engine = engine;

    public static string ComposeFile => Path.Combine(RepositoryPaths.Root, "docker", "compose.yaml");

    /// <summary>The TLS profile, added to <see cref="ComposeFile"/> when <see cref="Tls"/> is on.</summary>
    public static string TlsFile => Path.Combine(RepositoryPaths.Root, "docker", "compose.tls.yaml");

    /// <summary>Whether later commands run the site with its TLS profile.</summary>
    public bool Tls { get; set; }

    /// <summary>
    /// The site's env file, README's <c>docker/site.env</c>, written by README's <c>new-site.sh</c> and
    /// by its commands that record a setting for every later command (the rolling upgrade's new tag);
    /// the site's variables win over it. Commands name it once it exists.
    /// </summary>
    public string EnvFile { get; } = Path.Combine(engine.Directory, "site.env");

    /// <summary>
    /// The test's one change to the file: health checks every second instead of every 5 s, so that
    /// each dependency (silo, gateway, nginx) is seen healthy sooner on every up and replacement;
    /// 10 failures in a row, as long as the file's 3 at 5 s, still make a container unhealthy.
    /// </summary>
    public string HealthChecksFile { get; } = CreateHealthChecksFile(engine.Directory);

    private string[] Options =>
    [
        "--ansi", "never", .. File.Exists(EnvFile) ? new[] { "--env-file", EnvFile } : [], "-p", Project,
        "-f", ComposeFile, "-f", HealthChecksFile, .. Tls ? new[] { "-f", TlsFile } : [],
    ];

    /// <summary>README's <c>$C</c>: the site's docker-compose command line, split by the shell (the repository's path must hold no spaces).</summary>
    public string Command => "docker-compose " + string.Join(' ', Options);

    /// <summary>The engine's variables with the site's.</summary>
    public Dictionary<string, string> Environment
    {
        get
        {
            var environment = _engine.Environment;
            foreach (var (key, value) in variables)
            {
                environment[key] = value;
            }

            return environment;
        }
    }

    /// <summary>docker-compose with these arguments, whatever its exit code.</summary>
    public Task<CommandLine.Result> RunAsync(params string[] arguments) => RunAsync(Environment, arguments);

    public Task<CommandLine.Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        CommandLine.RunAsync("docker-compose", [.. Options, .. arguments], environment, CommandTimeout);

    /// <summary>A shell script as the README writes it, with <c>$C</c> standing for the site's docker-compose command.</summary>
    public Task<string> ShellOrFailAsync(string script) => ShellOrFailAsync(script, CommandTimeout);

    /// <summary>A shell script as the README writes it, run for at most <paramref name="timeout"/>.</summary>
    public async Task<string> ShellOrFailAsync(string script, TimeSpan timeout)
    {
        var environment = Environment;
        environment["C"] = Command;
        return await CommandLine.RunOrFailAsync("bash", ["-euo", "pipefail", "-c", script], environment, timeout);
    }

    private static string CreateHealthChecksFile(string directory)
    {
        var file = Path.Combine(directory, "compose.health-checks.yaml");
        File.WriteAllLines(file,
        [
            "services:",
            .. new[] { "silo", "gateway", "nginx" }.Select(service => $"  {service}: {{ healthcheck: {{ interval: 1s, retries: 10 }} }}"),
        ]);
        return file;
    }

    /// <summary>docker-compose with these arguments; a non-zero exit fails the test with its last lines.</summary>
    public async Task<string> RunOrFailAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"docker-compose {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Tail}");
        return result.Output;
    }

    /// <summary>The ids of a service's containers, running or stopped (docker-compose ps).</summary>
    public async Task<string[]> ContainersAsync(string service) =>
        (await RunOrFailAsync("ps", "-q", service)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The ids of a service's running containers (<see cref="ContainersAsync"/> lists stopped ones too), not counting one-off <c>run</c> containers.</summary>
    public async Task<string[]> RunningContainersAsync(string service) =>
        (await _engine.DockerOrFailAsync("ps", "-q", "--filter", $"label=com.docker.compose.project={Project}",
            "--filter", $"label=com.docker.compose.service={service}", "--filter", "label=com.docker.compose.oneoff=False"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Each running container of the site: its service and its health by its health check (<c>healthy</c>, <c>starting</c>, <c>unhealthy</c>, or <c>none</c>).</summary>
    public async Task<List<(string Service, string Health)>> HealthAsync()
    {
        var lines = await _engine.DockerOrFailAsync("ps", "--filter", $"label=com.docker.compose.project={Project}",
            "--format", "{{.Label \"com.docker.compose.service\"}} {{.Status}}");
        return [.. lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => (line.Split(' ')[0], HealthState().Match(line) is { Success: true } health ? health.Groups[1].Value : "none"))];
    }

    public async Task<string> LogsAsync(string container) => (await _engine.DockerAsync(["logs", container], CommandTimeout)).Output;

    /// <summary>The container's log since <paramref name="since"/> only: quick to read however long the container has run.</summary>
    public async Task<string> LogsAsync(string container, DateTimeOffset since, bool timestamps = false) =>
        (await _engine.DockerAsync(
            ["logs", "--since", since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), .. timestamps ? ["--timestamps"] : Array.Empty<string>(), container],
            CommandTimeout)).Output;

    /// <summary>A value of <c>docker inspect</c> for the container, by Go template.</summary>
    public async Task<string> InspectAsync(string container, string template) =>
        (await _engine.DockerOrFailAsync("inspect", "-f", template, container)).Trim();

    /// <summary>The container's address on the site's network, which this host reaches directly.</summary>
    public Task<string> AddressAsync(string container) => InspectAsync(container, "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");

    /// <summary>This host's address on the site's network, which its containers reach: that of Docker's bridge for it, <c>br-</c> and the network's id.</summary>
    public async Task<string> HostAddressAsync()
    {
        var id = (await _engine.DockerOrFailAsync("network", "inspect", "-f", "{{.Id}}", $"{Project}_site")).Trim();
        var bridge = NetworkInterface.GetAllNetworkInterfaces().SingleOrDefault(network => network.Name == "br-" + id[..12]);
        Assert.True(bridge is not null, $"no bridge interface br-{id[..12]} for the site's network on this host");
        return bridge.GetIPProperties().UnicastAddresses.First(address => address.Address.AddressFamily == AddressFamily.InterNetwork).Address.ToString();
    }

    /// <summary>SIGKILL to the container's process, as when its host process crashes.</summary>
    public Task KillAsync(string container) => _engine.DockerOrFailAsync("kill", "-s", "KILL", container);

    /// <summary>SIGKILL to the container's main process from the host, by its host PID: the process dies as in a crash, and unlike <c>docker kill</c> Docker does not count it as a stop, so the restart policy applies.</summary>
    public async Task KillProcessAsync(string container)
    {
        var pid = await InspectAsync(container, "{{.State.Pid}}");
        Assert.True(int.TryParse(pid, CultureInfo.InvariantCulture, out var id) && id > 0, $"container {container} has no running process (pid '{pid}')");
        await CommandLine.RunOrFailAsync("kill", ["-KILL", pid], new Dictionary<string, string>(), TimeSpan.FromSeconds(30));
    }

    /// <summary><c>docker stop</c> without a timeout of its own: SIGTERM, then SIGKILL after the container's stop timeout (compose's stop_grace_period).</summary>
    public Task StopAsync(string container) => _engine.DockerOrFailAsync("stop", container);

    /// <summary>docker (not compose) against the site's engine; a non-zero exit fails the test.</summary>
    public Task<string> DockerOrFailAsync(params string[] arguments) => _engine.DockerOrFailAsync(arguments);

    /// <summary>An integer of <c>docker inspect</c>, such as <c>{{.RestartCount}}</c>.</summary>
    public async Task<int> InspectNumberAsync(string container, string template) =>
        int.Parse(await InspectAsync(container, template), CultureInfo.InvariantCulture);

    /// <summary>One value from the site's database, read with psql inside the postgres container.</summary>
    public async Task<string> QueryAsync(string sql) =>
        (await RunOrFailAsync("exec", "-T", "postgres", "psql", "-U", "orleans", "-d", "orleans_tasks", "-tAc", sql))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];

    /// <summary>Open task sockets of the gateway in this container, from its metrics listener.</summary>
    public async Task<int> OpenSocketsAsync(HttpClient http, string container)
    {
        var metrics = await http.GetStringAsync(new Uri($"http://{await AddressAsync(container)}:9466/metrics"));
        var match = SocketGauge().Match(metrics);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>docker ps's status: "Up 2 minutes (healthy)", "Up 5 seconds (health: starting)".</summary>
    [GeneratedRegex(@"\((?:health: )?(healthy|starting|unhealthy)\)")]
    private static partial Regex HealthState();

    [GeneratedRegex(@"^orleans_tasks_gateway_websocket_connections\{[^}]*\} (\d+)", RegexOptions.Multiline)]
    private static partial Regex SocketGauge();
}
