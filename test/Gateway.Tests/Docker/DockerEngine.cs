using System.Diagnostics;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// A Docker engine of the test's own: dockerd with its data, runtime state, pid file and socket in
/// a temporary directory, no iptables rules and no default bridge (user-defined networks still
/// work; containers cannot reach the outside). Disposing stops it and removes all of its state.
/// </summary>
public sealed class DockerEngine : IAsyncDisposable
{
    private static readonly Dictionary<string, string> NoVariables = [];
    private readonly Process _daemon;
    private readonly StreamWriter _log;

    private DockerEngine(string directory, Process daemon, StreamWriter log)
    {
        Directory = directory;
        _daemon = daemon;
        _log = log;
    }

    /// <summary>The temporary directory that holds everything of this engine; callers may keep their own files in it.</summary>
    public string Directory { get; }

    /// <summary>What <c>docker</c>, <c>docker-compose</c> and the scripts need to talk to this engine.</summary>
    public Dictionary<string, string> Environment => new() { ["DOCKER_HOST"] = $"unix://{Directory}/docker.sock" };

    public static async Task<DockerEngine> StartAsync(string dockerd)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("orleans-tasks-docker-").FullName;
        var daemon = Process.Start(new ProcessStartInfo(dockerd,
        [
            "--data-root", $"{directory}/data", "--exec-root", $"{directory}/exec", "--pidfile", $"{directory}/docker.pid",
            "-H", $"unix://{directory}/docker.sock", "--iptables=false", "--bridge=none",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = File.CreateText(Path.Combine(directory, "dockerd.log"));
        daemon.OutputDataReceived += (_, line) => Write(log, line.Data);
        daemon.ErrorDataReceived += (_, line) => Write(log, line.Data);
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        var engine = new DockerEngine(directory, daemon, log);
        try
        {
            await Eventually.TrueAsync($"dockerd to answer on {directory}/docker.sock", async () =>
            {
                Assert.False(daemon.HasExited, "dockerd exited at start; see " + Path.Combine(directory, "dockerd.log"));
                return (await engine.DockerAsync(["version"], TimeSpan.FromSeconds(20))).ExitCode == 0;
            }, TimeSpan.FromMinutes(1));
            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    public Task<CommandLine.Result> DockerAsync(IEnumerable<string> arguments, TimeSpan timeout) =>
        CommandLine.RunAsync("docker", arguments, Environment, timeout);

    public async Task<string> DockerOrFailAsync(params string[] arguments) =>
        await CommandLine.RunOrFailAsync("docker", arguments, Environment, TimeSpan.FromMinutes(2));

    public async ValueTask DisposeAsync()
    {
        if (!_daemon.HasExited)
        {
            // SIGTERM: dockerd stops its containers and unmounts their file systems before it exits.
            using (var term = Process.Start("kill", ["-TERM", _daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            try
            {
                await Deadline.RunAsync(_daemon.WaitForExitAsync, TimeSpan.FromMinutes(1), "dockerd to stop");
            }
            catch (TimeoutException)
            {
                _daemon.Kill(entireProcessTree: true);
                await _daemon.WaitForExitAsync();
            }
        }

        _daemon.Dispose();
        // dockerd leaves its network namespace mounted under the exec root (and a killed one, more):
        // unmount everything under the directory, deepest first, before removing it.
        var mounts = File.ReadAllLines("/proc/self/mounts")
            .Select(line => line.Split(' ')[1])
            .Where(point => point.StartsWith(Directory + "/", StringComparison.Ordinal))
            .OrderByDescending(point => point.Length);
        foreach (var point in mounts)
        {
            await CommandLine.RunAsync("umount", ["-l", point], NoVariables, TimeSpan.FromSeconds(30));
        }

        _log.Dispose();
        await CommandLine.RunAsync("rm", ["-rf", "--one-file-system", Directory], NoVariables, TimeSpan.FromMinutes(2));
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
            log.Flush();
        }
    }
}
