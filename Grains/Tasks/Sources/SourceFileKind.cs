using Mono.Unix;
using Mono.Unix.Native;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// Whether a source file is a regular file, looked up (symbolic links followed, as an open would) before it is opened:
/// opening a named pipe blocks the calling thread until a writer comes (a grain's turn on a scheduler thread: the
/// silo stalls), a character device may read without end, a block device reads a whole disk, and a socket cannot
/// be opened at all (its ENXIO would pass for an I/O error that may pass). Such a file fails as its document at once.
/// </summary>
public static class SourceFileKind
{
    /// <summary>
    /// The kind of the file at <paramref name="path"/> in words (<c>a named pipe</c>) when it is not a regular file; null for a
    /// regular file, on Windows (no such files there), and when the lookup fails: the open then fails and says why (a file
    /// that is gone, not readable, an I/O error that may pass). A file replaced by a named pipe between this lookup and
    /// the open would still block that open: that takes someone writing to the source tree to do on purpose.
    /// </summary>
    public static string? NotRegular(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        // One stat, links followed as an open would; a failed one (gone, closed to the server) is left to the open.
        return Syscall.stat(path, out var status) == 0 ? Describe((FileTypes)(status.st_mode & FilePermissions.S_IFMT)) : null;
    }

    /// <summary>A file type that is not a regular file, in words; null for a regular file (and a link, which a lookup that follows links never reports).</summary>
    internal static string? Describe(FileTypes type) => type switch
    {
        FileTypes.Fifo => "a named pipe",
        FileTypes.Socket => "a socket",
        FileTypes.CharacterDevice => "a character device",
        FileTypes.BlockDevice => "a block device",
        FileTypes.Directory => "a directory",
        _ => null,
    };

    /// <summary>The problem of a source file that is not a regular file: it is never opened.</summary>
    public static string Problem(string kind) => $"The file is not a regular file ({kind}); it was not read.";

}
