using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Testing.Faults;

/// <summary>
/// A directory source's listings and file reads that fail where a <see cref="FaultPlan"/> says: a directory's listing by
/// its name, with an I/O error; a file's reads by its name, with an I/O error (a whole file's read, or a JSON-lines file's
/// reads from an offset on), or as a file gone since it was listed.
/// </summary>
public sealed class FaultySourceFiles(ISourceFileReader inner, FaultPlan plan) : ISourceFileReader
{
    public IReadOnlyList<SourceDirectoryEntry> List(string directory) =>
        plan.OnSourceList(Path.GetFileName(Path.TrimEndingDirectorySeparator(directory))) == Fault.None
            ? inner.List(directory)
            : throw new IOException($"Injected fault: listing '{directory}' failed (an I/O error).");

    public bool IsLink(string directory) => inner.IsLink(directory);

    public long LengthOf(string path)
    {
        ThrowIfLost(path);
        return inner.LengthOf(path);
    }

    public Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken) =>
        plan.OnSourceRead(Path.GetFileName(path), 0) == Fault.None
            ? inner.ReadAllTextAsync(path, cancellationToken)
            : throw ReadFailed(path);

    public Stream OpenRead(string path)
    {
        ThrowIfLost(path);
        return new FaultyReadStream(inner.OpenRead(path), path, plan);
    }

    private void ThrowIfLost(string path)
    {
        if (plan.OnSourceLost(Path.GetFileName(path)) != Fault.None)
        {
            throw new FileNotFoundException($"Injected fault: '{path}' is gone.", path);
        }
    }

    private static IOException ReadFailed(string path) => new($"Injected fault: reading '{path}' failed (an I/O error).");

    /// <summary>
    /// A file's stream whose reads ask the plan first, at the offset they read from; each read returns at most
    /// 4 KiB, so that a fault at an offset falls in the middle of a file that a reader buffers by the block, and
    /// stops at the offset a fault begins at, so that a reader opened anywhere before it fails there too.
    /// </summary>
    private sealed class FaultyReadStream(Stream inner, string path, FaultPlan plan) : Stream
    {
        private const int MostBytesPerRead = 4096;

        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var name = Path.GetFileName(path);
            var position = inner.Position;
            if (plan.OnSourceRead(name, position) != Fault.None)
            {
                throw ReadFailed(path);
            }

            var count = Math.Min(buffer.Length, MostBytesPerRead);
            if (plan.NextSourceReadFault(name, position) is { } fault)
            {
                count = (int)Math.Min(count, fault - position);
            }

            return inner.ReadAsync(buffer[..count], cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
