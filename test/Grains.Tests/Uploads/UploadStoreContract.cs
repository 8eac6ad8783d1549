using OrleansTasks.Tasks.Sources;
using OrleansTasks.Uploads;

namespace OrleansTasks.Grains.Tests.Uploads;

/// <summary>What every <see cref="IUploadStore"/> does, written once and run against each.</summary>
public abstract class UploadStoreContract
{
    private const string Owner = "user:alice";

    /// <summary>The store under test; null when its system component is missing (the test then skips or fails as required).</summary>
    protected abstract Task<IUploadStore> StoreAsync();

    /// <summary>Uploads and chunks the store holds in all, complete or not.</summary>
    protected abstract Task<long> StoredAsync();

    [Fact]
    public async Task A_received_body_counts_its_bytes_and_documents_and_reads_back_from_any_offset()
    {
        var store = await StoreAsync();
        var body = UploadBodies.Lines(6_000, out var good);

        var receipt = await Receiver(store).ReceiveAsync(Owner, new MemoryStream(body), long.MaxValue, CancellationToken.None);
        var upload = Assert.IsType<UploadInfo>(receipt.Upload);
        var found = await store.FindAsync(upload.Id, CancellationToken.None);
        await using var stream = (await store.OpenReadAsync(upload.Id, CancellationToken.None))!;
        var offset = UploadChunks.Bytes + 12_345;
        stream.Seek(offset, SeekOrigin.Begin);
        var tail = new MemoryStream();
        await stream.CopyToAsync(tail);

        Assert.True(body.Length > 2 * UploadChunks.Bytes, "the body spans three chunks");
        Assert.Equal(new UploadInfo(upload.Id, Owner, upload.CreatedAt, true, body.Length, good + 1), Assert.IsType<UploadInfo>(found) with { CreatedAt = upload.CreatedAt });
        Assert.True((found.CreatedAt - upload.CreatedAt).Duration() < TimeSpan.FromMilliseconds(1), "the creation time is kept");
        Assert.Equal(body.Length, stream.Length);
        Assert.Equal(body[offset..], tail.ToArray());
    }

    [Fact]
    public async Task A_cursor_reads_every_line_fails_the_bad_one_by_its_number_and_resumes_at_any_position()
    {
        var store = await StoreAsync();
        var body = UploadBodies.Lines(6_000, out var good);
        var upload = (await Receiver(store).ReceiveAsync(Owner, new MemoryStream(body), long.MaxValue, CancellationToken.None)).Upload!;

        var all = await ReadAsync(store, upload.Id, null);
        var middle = all[3_000].After;
        var rest = await ReadAsync(store, upload.Id, middle);

        Assert.Equal(good + 1, all.Count);
        var bad = Assert.Single(all, entry => entry.Document is null);
        Assert.Equal($"{upload.Id}:3", bad.Id);
        Assert.StartsWith($"Line 3 of {upload.Id}: the line is not valid JSON", bad.Problem, StringComparison.Ordinal);
        Assert.True(middle.Offset > UploadChunks.Bytes, "the position lies past the first chunk");
        Assert.Equal(all.Skip(3_001).Select(entry => entry.Id), rest.Select(entry => entry.Id));
        Assert.Equal(all[^1].After, rest[^1].After);
    }

    [Fact]
    public async Task A_body_over_the_limit_leaves_nothing_behind()
    {
        var store = await StoreAsync();
        var body = UploadBodies.Lines(6_000, out _);
        var before = await StoredAsync();

        var receipt = await Receiver(store).ReceiveAsync(Owner, new MemoryStream(body), UploadChunks.Bytes + 10, CancellationToken.None);

        Assert.True(receipt.IsTooLarge);
        Assert.Equal(before, await StoredAsync());
    }

    [Fact]
    public async Task A_body_cut_off_midway_leaves_nothing_behind()
    {
        var store = await StoreAsync();
        var body = UploadBodies.Lines(6_000, out _);
        var before = await StoredAsync();

        await Assert.ThrowsAsync<IOException>(() =>
            Receiver(store).ReceiveAsync(Owner, new BrokenBody(body, UploadChunks.Bytes + 500), long.MaxValue, CancellationToken.None));

        Assert.Equal(before, await StoredAsync());
    }

    [Fact]
    public async Task Purging_keeps_uploads_a_task_reads_and_removes_old_and_cut_off_ones()
    {
        var store = await StoreAsync();
        var receiver = Receiver(store);
        var read = (await receiver.ReceiveAsync(Owner, new MemoryStream("{\"id\":\"a\",\"content\":\"a\"}"u8.ToArray()), long.MaxValue, CancellationToken.None)).Upload!;
        var unread = (await receiver.ReceiveAsync(Owner, new MemoryStream("{\"id\":\"b\",\"content\":\"b\"}"u8.ToArray()), long.MaxValue, CancellationToken.None)).Upload!;
        var cutOff = Guid.NewGuid();
        await store.BeginAsync(cutOff, Owner, DateTimeOffset.UtcNow, CancellationToken.None);
        var task = Guid.NewGuid();
        await store.AddReaderAsync(read.Id, task, CancellationToken.None);
        await store.AddReaderAsync(read.Id, task, CancellationToken.None);
        var later = DateTimeOffset.UtcNow.AddMinutes(1);

        await store.PurgeAsync(later, DateTimeOffset.UtcNow.AddDays(-1), CancellationToken.None);
        var afterFirst = new[] { await store.FindAsync(read.Id, CancellationToken.None), await store.FindAsync(unread.Id, CancellationToken.None), await store.FindAsync(cutOff, CancellationToken.None) };
        var readers = await store.ReadersAsync(read.Id, CancellationToken.None);
        await store.RemoveReaderAsync(read.Id, task, CancellationToken.None);
        await store.PurgeAsync(later, later, CancellationToken.None);

        Assert.Equal([true, false, true], afterFirst.Select(upload => upload is not null));
        Assert.Equal([task], readers);
        Assert.Null(await store.FindAsync(read.Id, CancellationToken.None));
        Assert.Null(await store.FindAsync(cutOff, CancellationToken.None));
        Assert.Null(await store.OpenReadAsync(read.Id, CancellationToken.None));
    }

    private static UploadReceiver Receiver(IUploadStore store) => new(store, TimeProvider.System);

    private static async Task<List<SourceEntry>> ReadAsync(IUploadStore store, Guid id, SourcePosition? from)
    {
        using var cursor = new UploadCursor(store, id, from, 1024 * 1024);
        var entries = new List<SourceEntry>();
        while (await cursor.NextAsync(CancellationToken.None) is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }
}
