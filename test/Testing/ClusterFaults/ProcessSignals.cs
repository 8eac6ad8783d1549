using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// SIGSTOP and SIGCONT for a product process: the process freezes as in a long GC pause or a
/// stopped VM, keeping its sockets and memory, and later runs on believing nothing happened.
/// </summary>
public static class ProcessSignals
{
    public static Task PauseAsync(this ProcessHost process) => SignalAsync(process, "STOP");

    public static Task ResumeAsync(this ProcessHost process) => SignalAsync(process, "CONT");

    private static async Task SignalAsync(ProcessHost process, string signal)
    {
        ArgumentNullException.ThrowIfNull(process);
        using var kill = Process.Start("kill", ["-" + signal, process.ProcessId.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {process.Name} exited with {kill.ExitCode}");
        }
    }
}
