using System.IO.Enumeration;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The files of a source matching its pattern, as relative paths in <see cref="SourceOrder"/>, walked
/// lazily from a position: only the directories on the way are listed, one at a time, through
/// <see cref="ISourceFileReader.List"/>. Hidden entries (names starting with '.') and directories
/// reached through a symbolic link are left out, so the walk stays inside the tree and ends. A walk
/// that could not see the whole tree says why through <c>cutShort</c>: a directory that could not be
/// listed (removed, closed to the server, a source root unmounted, or an I/O error that may pass when
/// the walk does not retry listings), or a walk resumed at a position that is no longer there. A
/// directory given up on for an I/O error that may pass is also met in the walk, as an unlisted
/// directory (<see cref="SourceWalkItem.IsUnlistedDirectory"/>), so that the task shows it as a failed
/// entry rather than leave it out without a trace; a walk resumed after it (<see cref="SourcePosition.AfterDirectory"/>)
/// does not list it again.
/// </summary>
public static class SourceFiles
{
    /// <summary>
    /// The matching files, and the directories given up on, at or after <paramref name="from"/> (null: from the start); <paramref name="cutShort"/> hears each
    /// part of the tree the walk could not see. Directories are listed through <paramref name="files"/> (the file system when
    /// not given). With <paramref name="retryListingErrors"/> (the task may still try again), a directory whose listing fails
    /// with an I/O error that may pass (<see cref="SourceReadException.IsTransient"/>) throws a <see cref="SourceReadException"/>
    /// naming it, so that the slice is retried from the task's position rather than read without the directory's files; but for
    /// the directories of <paramref name="notRetried"/> (paths within the source), given up at once.
    /// </summary>
    public static IEnumerable<SourceWalkItem> From(
        SourceLocation location, string? from, Action<string>? cutShort = null, ISourceFileReader? files = null, bool retryListingErrors = false,
        IReadOnlyCollection<string>? notRetried = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        var walk = new Walk(files ?? SourceFileReader.Instance, location.Pattern, cutShort ?? (_ => { }), retryListingErrors, notRetried ?? []);
        return walk.Files(location.Directory, "", from?.Split('/'), 0);
    }

    private sealed class Walk(ISourceFileReader files, string pattern, Action<string> cutShort, bool retryListingErrors, IReadOnlyCollection<string> notRetried)
    {
        public IEnumerable<SourceWalkItem> Files(string directory, string prefix, string[]? from, int depth)
        {
            if (from is not null && depth == from.Length - 1 && from[depth] == SourcePosition.PastEveryName)
            {
                // Resumed after this directory's whole subtree (SourcePosition.AfterDirectory).
                yield break;
            }

            SourceDirectoryEntry[]? entries;
            Exception? failed = null;
            try
            {
                // The source's own directory is never left out as a link (its location resolved it); an error looking a
                // subdirectory's link up is one of listing it.
                entries = depth > 0 && files.IsLink(directory) ? null : [.. files.List(directory)];
            }
            catch (IOException exception) when (retryListingErrors && SourceReadException.IsTransient(exception) && !notRetried.Contains(Relative(prefix)))
            {
                throw SourceReadException.Listing(Relative(prefix), exception);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                failed = exception;
                entries = [];
            }

            if (failed is not null)
            {
                // A directory removed or closed to the server while the task runs holds no more files;
                // one failing for now is given up on once the task has no attempt left, and met as such.
                cutShort($"the directory '{Relative(prefix)}' could not be listed ({failed.GetType().Name})");
                if (SourceReadException.IsTransient(failed))
                {
                    yield return new SourceWalkItem(Relative(prefix), IsUnlistedDirectory: true);
                }

                yield break;
            }

            if (entries is null)
            {
                // Reached through a symbolic link: left out, so that the walk stays inside the tree and ends.
                yield break;
            }

            if (from is not null && depth < from.Length && !entries.Any(entry => entry.Name == from[depth] && (depth == from.Length - 1 || entry.IsDirectory)))
            {
                // The walk resumes inside a part of the tree that has gone: what followed there is unknown.
                cutShort($"the walk resumed at '{string.Join('/', from)}', which is no longer there");
            }

            Array.Sort(entries, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (var entry in entries)
            {
                var onPath = false;
                if (from is not null && depth < from.Length)
                {
                    var order = string.CompareOrdinal(entry.Name, from[depth]);
                    if (order < 0)
                    {
                        continue;
                    }

                    onPath = order == 0;
                }

                if (entry.Name.StartsWith('.'))
                {
                    continue;
                }

                var relative = prefix + entry.Name;
                if (entry.IsDirectory)
                {
                    foreach (var file in Files(Path.Combine(directory, entry.Name), relative + "/", onPath ? from : null, depth + 1))
                    {
                        yield return file;
                    }
                }
                else if (FileSystemName.MatchesSimpleExpression(pattern, entry.Name))
                {
                    yield return new SourceWalkItem(relative);
                }
            }
        }

        private static string Relative(string prefix) => prefix.Length == 0 ? "." : prefix.TrimEnd('/');
    }
}
