using System.Globalization;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// The temporary directories of <see cref="DockerEngine"/>s: each made with an owner file naming the
/// test process (its PID and start time, so a reused PID is not mistaken for it). A directory whose
/// owner is gone was left by a killed run: its processes (dockerd first, with SIGTERM so it stops its
/// containers, then whatever still names the directory) are stopped, SIGKILL only after a deadline,
/// its mounts undone and the directory removed. Directories of a live owner, or without an owner
/// file, are left alone.
/// </summary>
public static class EngineDirectories
{
    public const string Prefix = "orleans-tasks-docker-";
    private const string OwnerFile = "owner";
    private static readonly Dictionary<string, string> NoVariables = [];
    private static readonly TimeSpan DockerdStop = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan OthersStop = TimeSpan.FromSeconds(10);

    /// <summary>A new directory owned by this process.</summary>
    public static string Create()
    {
        var directory = Directory.CreateTempSubdirectory(Prefix).FullName;
        File.WriteAllText(Path.Combine(directory, OwnerFile), Identity(Environment.ProcessId));
        return directory;
    }

    /// <summary>Removes the directories of engines whose test process is gone; returns them.</summary>
    public static async Task<List<string>> RemoveStaleAsync()
    {
        var removed = new List<string>();
        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            var owner = Path.Combine(directory, OwnerFile);
            if (!File.Exists(owner) || IsAlive(File.ReadAllText(owner).Trim()))
            {
                continue;
            }

            await StopProcessesAsync(directory);
            await RemoveAsync(directory);
            removed.Add(directory);
        }

        return removed;
    }

    /// <summary>Unmounts everything under the directory, deepest first (dockerd's network namespaces, a debootstrap root's /proc), then removes it.</summary>
    public static async Task RemoveAsync(string directory)
    {
        var mounts = File.ReadAllLines("/proc/self/mounts")
            .Select(line => line.Split(' ')[1])
            .Where(point => point.StartsWith(directory + "/", StringComparison.Ordinal))
            .OrderByDescending(point => point.Length);
        foreach (var point in mounts)
        {
            await CommandLine.RunAsync("umount", ["-l", point], NoVariables, TimeSpan.FromSeconds(30));
        }

        await CommandLine.RunAsync("rm", ["-rf", "--one-file-system", directory], NoVariables, TimeSpan.FromMinutes(2));
    }

    /// <summary>SIGTERM, then SIGKILL when it has not exited within <paramref name="grace"/>; returns once it has gone.</summary>
    private static async Task StopAsync(int pid, TimeSpan grace)
    {
        await SignalAsync("TERM", pid);
        try
        {
            await Eventually.TrueAsync($"process {pid} to exit after SIGTERM", () => Task.FromResult(!Exists(pid)), grace);
        }
        catch (TimeoutException)
        {
            await SignalAsync("KILL", pid);
            await Eventually.TrueAsync($"process {pid} to exit after SIGKILL", () => Task.FromResult(!Exists(pid)), TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Stops the processes of the engine in the directory: dockerd first (SIGTERM, so it stops its containers), then the rest.</summary>
    public static async Task StopProcessesAsync(string directory)
    {
        foreach (var dockerd in ProcessesNaming(directory).Where(pid => Command(pid) == "dockerd"))
        {
            await StopAsync(dockerd, DockerdStop);
        }

        await Task.WhenAll(ProcessesNaming(directory).Select(pid => StopAsync(pid, OthersStop)));
    }

    /// <summary>Processes whose command line names the directory: its dockerd, containerd and their shims.</summary>
    private static List<int> ProcessesNaming(string directory) =>
        [.. Directory.GetDirectories("/proc")
            .Select(path => int.TryParse(Path.GetFileName(path), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && pid != Environment.ProcessId && Read($"/proc/{pid}/cmdline").Contains(directory + "/", StringComparison.Ordinal))];

    private static bool IsAlive(string identity) =>
        identity.Split(' ') is [var pid, _] && int.TryParse(pid, CultureInfo.InvariantCulture, out var id) && Identity(id) == identity;

    /// <summary>"PID start-time": the start time (in clock ticks since boot, /proc/PID/stat's 22nd field) tells a reused PID apart.</summary>
    private static string Identity(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        // The command (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat.Length == 0 ? [] : stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19 ? $"{pid} {fields[19]}" : $"{pid} gone";
    }

    private static string Command(int pid) => Read($"/proc/{pid}/comm").Trim();

    private static bool Exists(int pid) => File.Exists($"/proc/{pid}/stat") && !Read($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static string Read(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static async Task SignalAsync(string signal, int pid) =>
        await CommandLine.RunAsync("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)], NoVariables, TimeSpan.FromSeconds(30));
}
