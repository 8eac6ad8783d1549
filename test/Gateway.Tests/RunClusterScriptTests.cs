using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The README's "Run a cluster" script, run for real: PostgreSQL, migrate, two silos, a gateway.</summary>
public sealed class RunClusterScriptTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_script_starts_a_working_two_silo_cluster_and_stops_it()
    {
        postgres.Require();
        var folder = Directory.CreateTempSubdirectory("orleans-tasks-cluster-").FullName;
        var gatewayPort = PostgresSilo.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["CLUSTER_DIR"] = folder,
            ["PG_PORT"] = PostgresSilo.FreePort().ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_PORT"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["SILO_PORTS"] = $"{PostgresSilo.FreePort()} {PostgresSilo.FreePort()}",
            ["SILO_GATEWAY_PORTS"] = $"{PostgresSilo.FreePort()} {PostgresSilo.FreePort()}",
            ["BIN_DIR"] = AppContext.BaseDirectory,
        };
        try
        {
            var (started, startOutput) = await RunScriptAsync("start", environment);
            Assert.True(started == 0, startOutput);
            Assert.Contains("ready: 2 active silo(s)", startOutput, StringComparison.Ordinal);
            var siloEnvironment = await EnvironmentOfAsync(Path.Combine(folder, "silo-1.pid"));
            Assert.Contains($"\0shutdownTimeoutSeconds={SiloShutdownSeconds()}\0", siloEnvironment, StringComparison.Ordinal);
            var youngGeneration = $"\0{ProcessHost.YoungGenerationVariable}={ProcessHost.ShippedYoungGeneration}\0";
            Assert.Contains(youngGeneration, siloEnvironment, StringComparison.Ordinal);
            Assert.DoesNotContain(ProcessHost.YoungGenerationVariable, await EnvironmentOfAsync(Path.Combine(folder, "gateway.pid")), StringComparison.Ordinal);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
            var password = (await File.ReadAllTextAsync(Path.Combine(folder, "demo-password"))).Trim();
            using var login = await http.PostAsJsonAsync("/api/auth/token", new { username = "demo", password });
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var taskId = await TaskRequests.CreateAsync(http, TaskRequests.Body(200));
            var task = await TaskRequests.WaitForEndAsync(http, taskId);
            Assert.Equal("completed", task.GetProperty("status").GetString());
        }
        finally
        {
            var (stopped, stopOutput) = await RunScriptAsync("stop", environment);
            Directory.Delete(folder, recursive: true);
            Assert.True(stopped == 0, stopOutput);
        }
    }

    /// <summary>The environment of the process a pid file names, each variable between NULs.</summary>
    private static async Task<string> EnvironmentOfAsync(string pidFile) =>
        "\0" + await File.ReadAllTextAsync($"/proc/{(await File.ReadAllTextAsync(pidFile)).Trim()}/environ");

    /// <summary>
    /// stop sends SIGTERM, then gives a silo its host's shutdown timeout (Silo/appsettings.json's, in which
    /// it hands its running tasks on) and a margin before SIGKILL. A process that ignores SIGTERM stands in
    /// for a silo still draining: 45 s after SIGTERM, past .NET's default 30 s, it has not been killed.
    /// </summary>
    [Fact]
    public async Task Stop_lets_a_silo_drain_for_its_shutdown_timeout_before_killing_it()
    {
        var watched = TimeSpan.FromSeconds(45);
        Assert.True(SiloShutdownSeconds() > watched.TotalSeconds, $"the silo's shutdown timeout ({SiloShutdownSeconds()} s) is within the {watched.TotalSeconds} s this test watches");
        var folder = Directory.CreateTempSubdirectory("orleans-tasks-cluster-stop-").FullName;
        var terminated = Path.Combine(folder, "terminated");
        using var silo = Process.Start(new ProcessStartInfo("bash", ["-c", $"trap 'echo TERM >>{terminated}' TERM; while :; do sleep 1; done"]))!;
        await File.WriteAllTextAsync(Path.Combine(folder, "silo-1.pid"), $"{silo.Id}\n");
        var stop = StartScript("stop", new Dictionary<string, string> { ["CLUSTER_DIR"] = folder });
        try
        {
            await Eventually.TrueAsync("the stand-in silo to be sent SIGTERM", () => Task.FromResult(File.Exists(terminated)), TimeSpan.FromSeconds(30));

            // What is asserted is that nothing happens for a while: only waiting shows it.
            await Task.Delay(watched);
            var drainingStill = !silo.HasExited;
            silo.Kill();
            var (stopped, output) = await stop.ResultAsync();

            Assert.True(drainingStill, $"run-cluster.sh stop killed a silo within {watched.TotalSeconds} s of SIGTERM, before its {SiloShutdownSeconds()} s shutdown timeout");
            Assert.True(stopped == 0, output);
            Assert.Contains("run-cluster: stopped", output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "silo-1.pid")), "run-cluster.sh stop left the silo's pid file");
        }
        finally
        {
            if (!silo.HasExited)
            {
                silo.Kill();
            }

            stop.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The silo's .NET host shutdown timeout, shutdownTimeoutSeconds in Silo/appsettings.json.</summary>
    private static int SiloShutdownSeconds()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "Silo", "appsettings.json")));
        return settings.RootElement.GetProperty("shutdownTimeoutSeconds").GetInt32();
    }

    private static async Task<(int ExitCode, string Output)> RunScriptAsync(string command, Dictionary<string, string> environment)
    {
        using var script = StartScript(command, environment);
        return await script.ResultAsync();
    }

    private static RunningScript StartScript(string command, Dictionary<string, string> environment)
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "docker", "run-cluster.sh"), command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        // The script, not this process's environment, is what gives its silos their young generation.
        start.Environment.Remove(ProcessHost.YoungGenerationVariable);
        start.Environment.Remove("COMPlus_GCgen0size");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new RunningScript(command, Process.Start(start)!);
    }

    /// <summary>docker/run-cluster.sh running: its output read as it goes, killed on dispose if it has not exited.</summary>
    private sealed class RunningScript : IDisposable
    {
        private readonly string _command;
        private readonly Process _process;
        private readonly Task<string> _output;
        private readonly Task<string> _errors;

        public RunningScript(string command, Process process)
        {
            _command = command;
            _process = process;
            _output = process.StandardOutput.ReadToEndAsync();
            _errors = process.StandardError.ReadToEndAsync();
        }

        public async Task<(int ExitCode, string Output)> ResultAsync()
        {
            await Deadline.RunAsync(_process.WaitForExitAsync, TimeSpan.FromMinutes(4), $"docker/run-cluster.sh {_command} to exit");
            return (_process.ExitCode, await _output + await _errors);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrleansTasks.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The tests run outside the repository.");
    }
}
