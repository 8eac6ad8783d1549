using System.Globalization;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// A process whose wall clock runs ahead, through Debian's libfaketime (LD_PRELOAD). Only the wall
/// clock is moved (<c>DONT_FAKE_MONOTONIC=1</c>): .NET's timers, <c>Stopwatch</c> and
/// <c>TimeProvider.GetTimestamp</c> read CLOCK_MONOTONIC, and faking it would stall them;
/// <c>DateTime.UtcNow</c> and <c>TimeProvider.GetUtcNow</c> read CLOCK_REALTIME and run ahead.
/// The multi-threaded build of the library is used, as a .NET process has many threads.
/// </summary>
public static class FakeClock
{
    public const string Library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

    /// <summary>Why a fake clock cannot be given here, or null when it can.</summary>
    public static string? Missing() =>
        File.Exists(Library) ? null : $"libfaketime is not installed ({Library}): run 'sudo apt-get install faketime' (Debian)";

    /// <summary>Environment variables that start a process with its wall clock <paramref name="ahead"/> of the machine's.</summary>
    public static Dictionary<string, string?> Ahead(TimeSpan ahead) => new()
    {
        ["LD_PRELOAD"] = Library,
        ["FAKETIME"] = string.Create(CultureInfo.InvariantCulture, $"+{(long)ahead.TotalSeconds}"),
        ["DONT_FAKE_MONOTONIC"] = "1",
    };
}
