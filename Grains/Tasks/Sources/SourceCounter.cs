using System.Diagnostics;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The counting pass of a streaming source: the documents a <see cref="SourceCursor"/> will read (one
/// per file, one per non-blank line of a JSON-lines file), counted without parsing anything. It counts
/// for about a time budget and returns where it stopped, so that a task counts in turns of its own and
/// resumes its count after a crash. The count never passes a directory it could not list for now while
/// the task may try again: with <c>retryListingErrors</c> a listing's I/O error that may pass throws a
/// <see cref="SourceReadException"/>, the turn counts nothing, and the task retries it by its policy from
/// the count's stored position, as a slice is retried (otherwise the total would leave out files the
/// reading, retrying the listing, reads). At the task's last attempt the directory is counted as the one
/// failed entry the reading makes of a directory it gives up on; should a later listing by the reading
/// work after all, the total grows with what is read (<see cref="SourceRun.Advance"/>), as for a
/// source that grew.
/// </summary>
public static class SourceCounter
{
    private const int BlockBytes = 1024 * 1024;

    /// <summary>
    /// Counts on from <paramref name="from"/> for about <paramref name="budget"/>; <see cref="SourceCount.Done"/> once the whole
    /// source is counted. The directories are listed through <paramref name="files"/> (the file system when not given).
    /// </summary>
    public static async Task<SourceCount> CountAsync(
        SourceLocation location, SourcePosition? from, TimeSpan budget, CancellationToken cancellationToken,
        ISourceFileReader? files = null, bool retryListingErrors = false)
    {
        ArgumentNullException.ThrowIfNull(location);
        var started = Stopwatch.GetTimestamp();
        long counted = 0;
        List<string>? gaveUp = null;
        var buffer = new byte[BlockBytes];
        foreach (var item in SourceFiles.From(location, from?.Path, files: files, retryListingErrors: retryListingErrors))
        {
            var path = item.Path;
            var resumed = from is not null && from.Path == path ? from : null;
            if (resumed is { FileDone: true })
            {
                continue;
            }

            if (item.IsUnlistedDirectory)
            {
                (gaveUp ??= []).Add(path);
            }

            var real = item.IsUnlistedDirectory ? null : ConfineOrNull(location, path);
            if (real is null || !SourceLocation.IsJsonLines(path) || SourceFileKind.NotRegular(real) is not null)
            {
                // Each such file is one document, or one failed document when it cannot be read (it links outside the
                // roots, its links loop, or it is not a regular file: never opened, here either); a directory given up on
                // is one failed entry.
                counted++;
            }
            else
            {
                var (lines, stoppedAt) = await CountLinesAsync(real, resumed?.Offset ?? 0, buffer, started, budget, cancellationToken);
                counted += lines;
                if (stoppedAt is { } offset)
                {
                    return new SourceCount(counted, new SourcePosition(path, offset, 0, FileDone: false), Done: false, gaveUp);
                }
            }

            if (Stopwatch.GetElapsedTime(started) >= budget)
            {
                return new SourceCount(counted, item.After, Done: false, gaveUp);
            }
        }

        return new SourceCount(counted, null, Done: true, gaveUp);
    }

    private static string? ConfineOrNull(SourceLocation location, string path)
    {
        try
        {
            return location.Confine(path);
        }
        catch (SymbolicLinkLoopException)
        {
            return null;
        }
    }

    /// <summary>The non-blank lines from <paramref name="offset"/>; with the offset of a line start when the budget ran out first.</summary>
    private static async Task<(long Lines, long? StoppedAt)> CountLinesAsync(
        string path, long offset, byte[] buffer, long started, TimeSpan budget, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, useAsync: true);
            stream.Seek(offset, SeekOrigin.Begin);
            var tally = new LineTally(offset);
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                tally.Add(buffer.AsSpan(0, read));
                if (Stopwatch.GetElapsedTime(started) >= budget && tally.LineStart > offset)
                {
                    return (tally.Lines, tally.LineStart);
                }
            }

            return (tally.Finish(), null);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Counted as one: the reader decides what the file becomes (a failed document, or a slice
            // retried by the task's policy), and the total never falls behind what is read.
            return (1, null);
        }
    }
}

/// <summary>
/// Documents counted in one turn, where counting goes on (null once <see cref="Done"/>), and the directories the turn gave up
/// listing (an I/O error that may pass, at the task's last attempt), each counted as one.
/// </summary>
public sealed record SourceCount(long Counted, SourcePosition? Next, bool Done, IReadOnlyList<string>? GaveUp = null);
