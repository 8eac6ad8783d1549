using System.Diagnostics;

namespace OrleansTasks.Testing.Partitions;

/// <summary>
/// The system programs a partition is made with (<c>ip</c> from iproute2, <c>nft</c> from nftables),
/// run as root, each command awaited and its failure an exception carrying what it printed.
/// </summary>
public static class NetworkCommands
{
    public const string InstallHint =
        "network partitions need root and the 'ip' and 'nft' programs: run the tests as root after 'sudo apt-get install iproute2 nftables' (Debian)";

    private static readonly string[] Folders = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    /// <summary>Why partitions cannot be made here (not root, a program missing), or null when they can.</summary>
    public static string? Missing()
    {
        if (Environment.UserName != "root")
        {
            return "not running as root: " + InstallHint;
        }

        foreach (var program in new[] { "ip", "nft" })
        {
            if (!Folders.Any(folder => File.Exists(Path.Combine(folder, program))))
            {
                return $"'{program}' is not installed: " + InstallHint;
            }
        }

        return null;
    }

    /// <summary>Runs <paramref name="program"/>, feeding it <paramref name="input"/>; returns what it printed, or throws with that unless it exits 0.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, string? input = null)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await Deadline.RunAsync(process.WaitForExitAsync, TimeSpan.FromSeconds(30), $"'{program} {string.Join(' ', start.ArgumentList)}' to exit");
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{program} {string.Join(' ', start.ArgumentList)}' exited with {process.ExitCode}: {await errors}{await output}");
        }

        return await output;
    }

    /// <summary>Runs <c>ip</c> with <paramref name="arguments"/>.</summary>
    public static Task IpAsync(params string[] arguments) => RunAsync("ip", arguments);
}
