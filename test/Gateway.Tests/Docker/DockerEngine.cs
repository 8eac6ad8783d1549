using System.Diagnostics;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// A Docker engine of the test's own: dockerd with its data, runtime state, pid file and socket in
/// a temporary directory, no iptables rules and no default bridge (user-defined networks still
/// work; containers cannot reach the outside). Disposing stops it and removes all of its state;
/// starting one first removes what engines of killed runs left (<see cref="EngineDirectories"/>, and
/// <see cref="LeftoverBridges"/> on the subnet given); stopping one removes its networks' bridges.
/// </summary>
public sealed class DockerEngine : IAsyncDisposable
{
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

    /// <summary>
    /// Starts an engine, first removing what engines of killed runs left, including bridges that are down
    /// on <paramref name="subnetPrefix"/> (a subnet the caller's networks use and nothing else on the host).
    /// </summary>
    public static async Task<DockerEngine> StartAsync(string dockerd, string subnetPrefix)
    {
        foreach (var stale in await EngineDirectories.RemoveStaleAsync())
        {
            Console.WriteLine($"DockerEngine: removed {stale}, left by a run that is gone");
        }

        foreach (var bridge in await LeftoverBridges.RemoveDownInSubnetAsync(subnetPrefix))
        {
            Console.WriteLine($"DockerEngine: removed bridge {bridge}, left down on {subnetPrefix}* by an engine that is gone");
        }

        var directory = EngineDirectories.Create();
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
        // Named while dockerd still answers; removed once it has gone (it leaves them behind).
        var bridges = _daemon.HasExited ? [] : await LeftoverBridges.OfEngineAsync(this);

        // SIGTERM first: dockerd stops its containers and unmounts their file systems before it exits.
        await EngineDirectories.StopProcessesAsync(Directory);
        await _daemon.WaitForExitAsync();
        _daemon.Dispose();
        await LeftoverBridges.RemoveAsync(bridges);
        _log.Dispose();
        await EngineDirectories.RemoveAsync(Directory);
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
