namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// Reads a source's documents one at a time from a position: each matching file is one document, and
/// each non-blank line of a JSON-lines file (<see cref="SourceLocation.IsJsonLines"/>) is one. Only
/// the current file is open and only the current line in memory. Whatever cannot be read becomes a
/// failed entry, and the reading goes on, but for an I/O error that may pass, reading a file or listing
/// a directory: while <paramref name="retryReadErrors"/>, that throws a <see cref="SourceReadException"/>
/// (the slice is retried by the task's policy); on the task's last attempt it fails the file too, or
/// gives the directory up: one failed entry under the directory's path, with no document id, stands for
/// its files, and the position after it is past the directory's whole subtree (<see cref="CutShort"/> says so too).
/// <see cref="CutShort"/> says when what was read so far is not the whole of the source (see
/// <see cref="ISourceCursor.CutShort"/>). The directories are listed and the files read through
/// <paramref name="files"/> (the file system when not given); those of <paramref name="notRetried"/> (paths within the
/// source: the count gave them up) are given up at their first failing listing, as at the task's last attempt.
/// </summary>
public sealed class SourceCursor(
    SourceLocation location, SourcePosition? position, int maxDocumentBytes, ISourceFileReader? files = null, bool retryReadErrors = true,
    IReadOnlyCollection<string>? notRetried = null) : ISourceCursor
{
    /// <summary>The problem of the entry that stands for a directory given up on at the task's last attempt.</summary>
    public const string UnlistedProblem = "The directory could not be listed at the task's last attempt, in its count or its reading (an I/O error); its files were not read.";

    private readonly SourcePosition? _start = position;
    private readonly ISourceFileReader _reads = files ?? SourceFileReader.Instance;
    private IEnumerator<SourceWalkItem>? _files;
    private string? _path;
    private JsonLineEntries? _lines;
    private long _linesFrom;

    /// <summary>The position after the last entry read (or skipped): where a new cursor would go on.</summary>
    public SourcePosition? Position { get; private set; } = position;

    public string? CutShort { get; private set; }

    /// <summary>The next entry, or null when the source has no more.</summary>
    public async Task<SourceEntry?> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_lines is not null)
            {
                var line = await NextLineAsync(cancellationToken);
                CutShort ??= _lines?.CutShort;
                if (line is not null)
                {
                    return line;
                }

                continue;
            }

            _files ??= SourceFiles.From(location, _start?.Path, reason => CutShort ??= reason, _reads, retryReadErrors, notRetried).GetEnumerator();
            if (!_files.MoveNext())
            {
                return null;
            }

            if (_files.Current is { IsUnlistedDirectory: true } unlisted)
            {
                Position = unlisted.After;
                return new SourceEntry(unlisted.Path, null, UnlistedProblem, unlisted.After) { IsUnlistedDirectory = true };
            }

            _path = _files.Current.Path;
            var resumed = _start is not null && _start.Path == _path ? _start : null;
            if (resumed is { FileDone: true })
            {
                continue;
            }

            if (await OpenAsync(resumed, cancellationToken) is { } whole)
            {
                Position = whole.After;
                return whole;
            }
        }
    }

    public void Dispose()
    {
        _lines?.Dispose();
        _files?.Dispose();
    }

    /// <summary>Reads a whole-file document, or opens a JSON-lines file (null then: its lines follow).</summary>
    private async Task<SourceEntry?> OpenAsync(SourcePosition? resumed, CancellationToken cancellationToken)
    {
        var path = _path!;
        var done = SourcePosition.Done(path);
        var jsonLines = SourceLocation.IsJsonLines(path);
        string? real;
        try
        {
            real = location.Confine(path);
        }
        catch (SymbolicLinkLoopException)
        {
            return Unread(path, jsonLines, $"The file's symbolic links loop (more than {SourcePathResolver.MaxLinkHops} followed); it was not read.");
        }

        if (real is null)
        {
            return Unread(path, jsonLines, "The file links outside the server's source roots; it was not read.");
        }

        if (SourceFileKind.NotRegular(real) is { } kind)
        {
            // Never opened: a named pipe would block this grain's thread, a device read on without end, a socket fail as if for now.
            return Unread(path, jsonLines, SourceFileKind.Problem(kind));
        }

        if (!jsonLines && path.Length > TaskRequestValidator.MaxDocumentIdLength)
        {
            // The path is the document's id: no document can be stored under one this long.
            return new SourceEntry(path, null, $"The file's path is longer than {TaskRequestValidator.MaxDocumentIdLength} characters, the longest document id.", done);
        }

        try
        {
            if (jsonLines)
            {
                var stream = _reads.OpenRead(real);
                try
                {
                    var lines = new LineReader(stream, resumed?.Offset ?? 0, resumed?.Line ?? 0, JsonLineEntries.MaxLineBytes(maxDocumentBytes));
                    _lines = new JsonLineEntries(path, lines, maxDocumentBytes);
                    _linesFrom = resumed?.Line ?? 0;
                }
                catch
                {
                    await stream.DisposeAsync();
                    throw;
                }

                return null;
            }

            var length = _reads.LengthOf(real);
            if (length > maxDocumentBytes)
            {
                return new SourceEntry(path, null, $"The file is larger than {maxDocumentBytes} bytes.", done) { FailedDocumentId = Storable(path) };
            }

            var content = await _reads.ReadAllTextAsync(real, cancellationToken);
            return new SourceEntry(path, new IndexDocument(path, Path.GetFileNameWithoutExtension(path), content), null, done);
        }
        catch (IOException exception) when (SourceReadException.IsTransient(exception))
        {
            // It may pass: the slice is tried again by the task's retry policy, from its start; at the
            // task's last attempt the file fails alone instead.
            return retryReadErrors
                ? throw SourceReadException.Reading(path, exception)
                : ReadFailed(path, jsonLines, "The file could not be read at the task's last attempt (an I/O error).", done);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return ReadFailed(path, jsonLines, "The file could not be read: it disappeared or is not readable.", done);
        }
    }

    /// <summary>A file whose read failed for good: a whole file's document fails under its path; a JSON-lines file's lines are unknown.</summary>
    private SourceEntry ReadFailed(string path, bool jsonLines, string problem, SourcePosition done)
    {
        if (jsonLines)
        {
            CutShort ??= $"the JSON-lines file '{path}' could not be read";
        }

        return new SourceEntry(path, null, problem, done) { FailedDocumentId = jsonLines ? null : Storable(path) };
    }

    /// <summary>
    /// A file that was not read. A whole file's document fails under its path; a JSON-lines file holds
    /// documents no one knows, so a <c>delete_missing</c> pass that met it removes nothing.
    /// </summary>
    private SourceEntry Unread(string path, bool jsonLines, string problem)
    {
        if (jsonLines)
        {
            CutShort ??= $"the JSON-lines file '{path}' was not read";
        }

        return new SourceEntry(path, null, problem, SourcePosition.Done(path)) { FailedDocumentId = jsonLines ? null : Storable(path) };
    }

    /// <summary>A whole file's document id when a document can be stored under it.</summary>
    private static string? Storable(string path) => TaskRequestValidator.IsValidDocumentId(path) ? path : null;

    private async Task<SourceEntry?> NextLineAsync(CancellationToken cancellationToken)
    {
        SourceEntry? entry;
        try
        {
            entry = await _lines!.NextAsync(cancellationToken);
        }
        catch (IOException exception) when (SourceReadException.IsTransient(exception))
        {
            if (retryReadErrors)
            {
                throw SourceReadException.Reading(_path!, exception);
            }

            // The task's last attempt: the rest of the file is given up, as a file that cannot be opened is.
            // Lines read in this file: none yet by this cursor when its first read failed.
            var readTo = _lines!.Position?.Line ?? _linesFrom;
            _lines.Dispose();
            _lines = null;
            var done = SourcePosition.Done(_path!);
            Position = done;
            return ReadFailed(_path!, jsonLines: true, $"The file could not be read past line {readTo} at the task's last attempt (an I/O error).", done);
        }

        Position = _lines.Position;
        if (entry is null)
        {
            _lines.Dispose();
            _lines = null;
        }

        return entry;
    }
}
