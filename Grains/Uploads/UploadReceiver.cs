using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Uploads;

/// <summary>
/// Streams a body into an <see cref="IUploadStore"/> one chunk at a time (never more than one chunk in
/// memory), counting its bytes and its documents (non-blank lines) on the way. The upload is usable
/// only once the whole body is in: a body over the limit, or one cut off by its sender (any exception
/// while reading or writing), leaves nothing behind but what a failing delete could not remove, which
/// the retention sweep removes later as an incomplete upload.
/// </summary>
public sealed class UploadReceiver(IUploadStore store, TimeProvider time)
{
    public async Task<UploadReceipt> ReceiveAsync(string ownerId, Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var id = Guid.NewGuid();
        var createdAt = time.GetUtcNow();
        await store.BeginAsync(id, ownerId, createdAt, cancellationToken);
        try
        {
            var buffer = new byte[UploadChunks.Bytes];
            var tally = new LineTally();
            long sequence = 0;
            while (await FillAsync(body, buffer, cancellationToken) is var filled and > 0)
            {
                if (tally.Offset + filled > maxBytes)
                {
                    await store.DeleteAsync(id, CancellationToken.None);
                    return UploadReceipt.TooLarge;
                }

                tally.Add(buffer.AsSpan(0, filled));
                await store.AppendAsync(id, sequence++, buffer.AsMemory(0, filled), cancellationToken);
                if (filled < buffer.Length)
                {
                    break;
                }
            }

            var lines = tally.Finish();
            await store.CompleteAsync(id, tally.Offset, lines, cancellationToken);
            return new UploadReceipt(new UploadInfo(id, ownerId, createdAt, true, tally.Offset, lines));
        }
        catch
        {
            await TryDeleteAsync(id);
            throw;
        }
    }

    /// <summary>Reads until the buffer is full or the body ends: every chunk but the last is whole.</summary>
    private static async Task<int> FillAsync(Stream body, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    /// <summary>Removes a cut-off upload at once where it can.</summary>
    private async Task TryDeleteAsync(Guid id)
    {
        try
        {
            await store.DeleteAsync(id, CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The sweep removes it: it stays incomplete, so it is never read as a source.
        }
    }
}

/// <summary>The upload received, or <see cref="IsTooLarge"/> when the body went over the limit (and nothing was kept).</summary>
public sealed record UploadReceipt(UploadInfo? Upload)
{
    public static readonly UploadReceipt TooLarge = new((UploadInfo?)null);

    public bool IsTooLarge => Upload is null;
}
