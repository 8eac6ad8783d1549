using System.Text.Json;

namespace OrleansTasks.Uploads;

/// <summary>
/// Uploads as files in one directory, for a cluster without a database (one machine): the body in
/// <c>{id}.body</c>, the rest in <c>{id}.json</c>, which is replaced whole (written aside, then moved
/// over) so that a reader never sees half of it. Changes to the <c>.json</c> files are serialized in
/// this process, the only one that uses them.
/// </summary>
public sealed class FileUploadStore : IUploadStore, IDisposable
{
    private readonly string _directory;
    private readonly SemaphoreSlim _changes = new(1, 1);

    public FileUploadStore(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    public async Task BeginAsync(Guid id, string ownerId, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await File.WriteAllBytesAsync(BodyPath(id), [], cancellationToken);
        await ChangeAsync(id, _ => new Record(ownerId, createdAt, false, 0, 0, []), cancellationToken);
    }

    public async Task AppendAsync(Guid id, long sequence, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        await using var body = new FileStream(BodyPath(id), FileMode.Open, FileAccess.Write, FileShare.Read, bufferSize: 1, useAsync: true);
        if (body.Length != sequence * UploadChunks.Bytes)
        {
            throw new InvalidOperationException($"Chunk {sequence} of upload {id} comes out of order.");
        }

        body.Seek(0, SeekOrigin.End);
        await body.WriteAsync(chunk, cancellationToken);
    }

    public Task CompleteAsync(Guid id, long bytes, long lines, CancellationToken cancellationToken) =>
        ChangeAsync(id, record => record is null ? null : record with { Completed = true, Bytes = bytes, Lines = lines }, cancellationToken);

    public async Task<UploadInfo?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        await ReadAsync(id, cancellationToken) is { } record
            ? new UploadInfo(id, record.OwnerId, record.CreatedAt, record.Completed, record.Bytes, record.Lines)
            : null;

    public async Task<Stream?> OpenReadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await ReadAsync(id, cancellationToken) is not { Completed: true })
        {
            return null;
        }

        try
        {
            return new FileStream(BodyPath(id), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, useAsync: true);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            // The record goes first: an upload without it is unknown, whatever is left of its body.
            File.Delete(RecordPath(id));
            File.Delete(BodyPath(id));
        }
        finally
        {
            _changes.Release();
        }
    }

    public Task AddReaderAsync(Guid id, Guid taskId, CancellationToken cancellationToken) =>
        ChangeAsync(id, record => record is null || record.Readers.Contains(taskId) ? record : record with { Readers = [.. record.Readers, taskId] }, cancellationToken);

    public Task RemoveReaderAsync(Guid id, Guid taskId, CancellationToken cancellationToken) =>
        ChangeAsync(id, record => record is null ? null : record with { Readers = [.. record.Readers.Where(reader => reader != taskId)] }, cancellationToken);

    public async Task<IReadOnlyList<Guid>> ReadersAsync(Guid id, CancellationToken cancellationToken) =>
        (await ReadAsync(id, cancellationToken))?.Readers ?? [];

    public async Task<int> PurgeAsync(DateTimeOffset completeBefore, DateTimeOffset incompleteBefore, CancellationToken cancellationToken)
    {
        var purged = 0;
        foreach (var path in Directory.EnumerateFiles(_directory, "*.json"))
        {
            if (!Guid.TryParse(Path.GetFileNameWithoutExtension(path), out var id)
                || await ReadAsync(id, cancellationToken) is not { Readers.Count: 0 } record
                || record.CreatedAt >= (record.Completed ? completeBefore : incompleteBefore))
            {
                continue;
            }

            await DeleteAsync(id, cancellationToken);
            purged++;
        }

        return purged;
    }

    public void Dispose() => _changes.Dispose();

    private string BodyPath(Guid id) => Path.Combine(_directory, id.ToString("N") + ".body");

    private string RecordPath(Guid id) => Path.Combine(_directory, id.ToString("N") + ".json");

    private async Task<Record?> ReadAsync(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(RecordPath(id), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 4096, useAsync: true);
            return await JsonSerializer.DeserializeAsync<Record>(file, cancellationToken: cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private async Task ChangeAsync(Guid id, Func<Record?, Record?> change, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            if (change(await ReadAsync(id, cancellationToken)) is not { } changed)
            {
                return;
            }

            var aside = RecordPath(id) + ".new";
            await File.WriteAllBytesAsync(aside, JsonSerializer.SerializeToUtf8Bytes(changed), cancellationToken);
            File.Move(aside, RecordPath(id), overwrite: true);
        }
        finally
        {
            _changes.Release();
        }
    }

    private sealed record Record(string OwnerId, DateTimeOffset CreatedAt, bool Completed, long Bytes, long Lines, List<Guid> Readers);
}
