using System.Globalization;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Corpus;

/// <summary>How the corpus benchmarks follow a task and read a process's memory.</summary>
internal static class CorpusWatch
{
    /// <summary>
    /// Reads the task's progress over its socket until its <c>complete</c> or <c>error</c> message
    /// (or the server's close), as a user watches it: polling the task every few milliseconds would
    /// cost the gateway and the silo more than the watch does.
    /// </summary>
    public static async Task UntilEndAsync(Uri socketUri)
    {
        await using var socket = await SocketClient.ConnectAsync(socketUri);
        var progress = 0;
        var slowDatabase = 0;
        while (await socket.ReceiveAsync(TimeSpan.FromMinutes(5)) is { } message)
        {
            if (message.GetProperty("type").GetString() is "complete" or "error")
            {
                if (slowDatabase > 0)
                {
                    // The task sized its slices as for a slow database part of the time: a rate that needs explaining.
                    Console.Error.WriteLine($"corpus: {slowDatabase} of {progress} progress messages said the database was slow");
                }

                return;
            }

            progress++;
            if (message.TryGetProperty("message", out var text) && text.GetString()?.StartsWith("Waiting for the database", StringComparison.Ordinal) == true)
            {
                slowDatabase++;
            }

            // Only the last message is needed: the watch must not hold a million of them.
            socket.Messages.Clear();
        }
    }

    /// <summary>The most memory the process has held resident since it started (VmHWM).</summary>
    public static long PeakResidentBytes(int processId) => StatusBytes(processId, "VmHWM:");

    /// <summary>
    /// Starts the process's peak (VmHWM) over from what it holds now, so that the peak read after a task is that task's
    /// and not the warm-up's before it (writing 5 to <c>/proc/PID/clear_refs</c>, which the process's owner may do).
    /// </summary>
    public static void ResetPeak(int processId) => File.WriteAllText($"/proc/{processId}/clear_refs", "5");

    /// <summary>The process's own memory resident now, without the files it maps (RssAnon).</summary>
    public static long AnonymousBytes(int processId) => StatusBytes(processId, "RssAnon:");

    /// <summary>The memory the process holds resident now (VmRSS).</summary>
    public static long ResidentBytes(int processId) => StatusBytes(processId, "VmRSS:");

    private static long StatusBytes(int processId, string field)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
