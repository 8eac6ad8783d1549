using OrleansTasks.Tasks;
using OrleansTasks.Tasks.Sources;
using OrleansTasks.Uploads;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>
/// A body sent to <c>POST /api/uploads</c>, received as the endpoint receives it (in reads of the
/// size the input's first byte picks, under a limit it may set just below the body) into a store
/// on disk, then read back as a task reads an upload. Over the limit, nothing is kept; otherwise the
/// receipt counts every byte and the documents of <see cref="JsonLinesContract"/>, and reading finds
/// exactly those.
/// </summary>
internal sealed class UploadBodyHarness : IHarness
{
    private static readonly Lazy<FileUploadStore> Store = new(Create);

    public string Name => "upload-body";

    public string Covers => "UploadReceiver (POST /api/uploads: the body in chunks, its bytes and documents counted, the limit) and UploadCursor reading it back";

    public string? Dictionary => "json.dict";

    public void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var body = input[1..];
        var overLimit = (input[0] & 1) == 1 && body.Length > 0;
        var maxBytes = overLimit ? body.Length - 1 : body.Length;
        var receiver = new UploadReceiver(Store.Value, TimeProvider.System);
        var receipt = receiver.ReceiveAsync("user:fuzz", new ShortReads(body, 1 + (input[0] >> 1)), maxBytes, CancellationToken.None).GetAwaiter().GetResult();
        if (overLimit != receipt.IsTooLarge)
        {
            throw new InvalidOperationException($"A body of {body.Length} bytes under a limit of {maxBytes} was {(receipt.IsTooLarge ? "refused" : "kept")}.");
        }

        if (receipt.Upload is not { } upload)
        {
            return;
        }

        try
        {
            var expected = JsonLinesContract.Lines(body);
            if (upload.Bytes != body.Length || upload.Lines != expected.Count || !upload.Completed)
            {
                throw new InvalidOperationException($"Received {upload.Bytes} bytes and {upload.Lines} documents of {body.Length} and {expected.Count}.");
            }

            JsonLinesContract.Check(UploadCursor.PathOf(upload.Id), ReadBack(upload.Id), expected);
        }
        finally
        {
            Store.Value.DeleteAsync(upload.Id, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    /// <summary>A store in a folder of this process's own, removed when the process exits (every upload in it is deleted after its run).</summary>
    private static FileUploadStore Create()
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"orleans-tasks-fuzz-uploads-{Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Already gone, or not removable: it holds only this process's fuzz inputs.
            }
        };

        return new FileUploadStore(folder);
    }

    private static List<SourceEntry> ReadBack(Guid upload)
    {
        using var cursor = new UploadCursor(Store.Value, upload, null, new TasksOptions().MaxDocumentBytes);
        var entries = new List<SourceEntry>();
        while (cursor.NextAsync(CancellationToken.None).GetAwaiter().GetResult() is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>A request body that arrives in reads of at most <paramref name="readSize"/> bytes, as a network delivers it.</summary>
    private sealed class ShortReads(byte[] body, int readSize) : MemoryStream(body, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, readSize));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
    }
}
