using System.Net.Sockets;
using Mono.Unix.Native;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// Files in a source that are not regular files, made by a test: named pipes with no writer and bound Unix sockets. Disposing
/// lets go of any reader a build that opens such a file left blocked on a named pipe, so that a failing test does not stall its
/// silo after it; then the files are removed.
/// </summary>
internal sealed class SpecialFiles : IDisposable
{
    private readonly List<string> _pipes = [];
    private readonly List<Socket> _sockets = [];

    /// <summary>A named pipe at <paramref name="path"/> that no one writes to: opening it to read blocks.</summary>
    public string Pipe(string path)
    {
        if (Syscall.mkfifo(path, FilePermissions.DEFFILEMODE) != 0)
        {
            throw new IOException($"mkfifo '{path}' failed: {Stdlib.GetLastError()}");
        }

        _pipes.Add(path);
        return path;
    }

    /// <summary>A Unix socket bound at <paramref name="path"/>; its file is there until this is disposed (.NET removes it with the socket).</summary>
    public string Socket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _sockets.Add(socket);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return path;
    }

    /// <summary>
    /// <paramref name="work"/> on a thread-pool thread, for at most <paramref name="deadline"/>: an open that blocks on a named pipe
    /// blocks the thread that called it, before any await, so only another thread lets the test report it.
    /// </summary>
    public static async Task<T> WithinAsync<T>(TimeSpan deadline, string what, Func<Task<T>> work)
    {
        try
        {
            return await Task.Run(work).WaitAsync(deadline);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"Waited {deadline.TotalSeconds} s for {what} (blocked opening a named pipe?).", timeout);
        }
    }

    public void Dispose()
    {
        foreach (var pipe in _pipes)
        {
            // On Linux opening a named pipe to read and write never blocks, and gives the readers blocked opening it a
            // writer; they read to its end once it is closed. Removed before that, the pipe blocks no later reader.
            var writer = Syscall.open(pipe, OpenFlags.O_RDWR | OpenFlags.O_NONBLOCK);
            File.Delete(pipe);
            if (writer >= 0)
            {
                _ = Syscall.close(writer);
            }
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }
}
