using System.Globalization;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// A process whose clocks run ahead, through Debian's libfaketime (LD_PRELOAD): CLOCK_REALTIME
/// (<c>DateTime.UtcNow</c>, <c>TimeProvider.GetUtcNow</c>) and CLOCK_MONOTONIC (timers,
/// <c>Stopwatch</c>, <c>TimeProvider.GetTimestamp</c>) both move by the same constant offset, so
/// every duration the process measures stays true. Not with <c>DONT_FAKE_MONOTONIC=1</c>: with it,
/// libfaketime 0.9.10 ends every timed wait at once (<c>Thread.Sleep(200)</c> returned in 0 ms,
/// five <c>ManualResetEventSlim.Wait(200)</c> took 4–207 ms in all) and a blocking socket read with a timeout fails
/// at once (Npgsql's synchronous <c>SELECT 1</c>: 20 of 20 failed), so a silo run so spins and
/// cannot time its database. The multi-threaded build of the library is used, as a .NET process
/// has many threads.
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
    };
}
