using System.Text;
using OrleansTasks.Tasks.Sources;
using OrleansTasks.Uploads;

namespace OrleansTasks.Grains.Tests.Uploads;

public sealed class ChunkedReadStreamTests
{
    private const int ChunkBytes = 16;

    [Fact]
    public async Task Reading_from_any_offset_gives_the_bytes_from_there_across_chunk_boundaries()
    {
        var body = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        foreach (var offset in new[] { 0, 1, 15, 16, 17, 31, 32, 63, 64, 99, 100 })
        {
            await using var stream = Over(body, out _);
            stream.Seek(offset, SeekOrigin.Begin);

            Assert.Equal(body[offset..], await ReadAllAsync(stream, bufferBytes: 7));
        }
    }

    [Fact]
    public async Task Each_chunk_is_fetched_once_while_reading_straight_through_and_again_after_a_seek_back()
    {
        var body = new byte[40];
        await using var stream = Over(body, out var fetched);

        await ReadAllAsync(stream, bufferBytes: 5);
        stream.Position = 3;
        await ReadAllAsync(stream, bufferBytes: 64);

        Assert.Equal([0, 1, 2, 0, 1, 2], fetched);
    }

    [Fact]
    public async Task A_line_crossing_a_chunk_boundary_is_read_whole_and_a_resumed_reader_goes_on_at_the_next_line()
    {
        var text = "{\"id\":\"a\"}\n{\"id\":\"bb\",\"content\":\"crosses\"}\n\n{\"id\":\"c\"}";
        var body = Encoding.UTF8.GetBytes(text);
        using var reader = new LineReader(Over(body, out _), 0, 0, 1024);

        // A line's bytes are the reader's buffer: each is taken before the next read.
        var first = Encoding.UTF8.GetString((await reader.ReadAsync(CancellationToken.None))!.Value.Bytes.Span);
        var afterFirst = reader.Offset;
        var second = (await reader.ReadAsync(CancellationToken.None))!.Value;
        var secondText = Encoding.UTF8.GetString(second.Bytes.Span);
        using var resumed = new LineReader(Over(body, out _), afterFirst, 1, 1024);
        var again = (await resumed.ReadAsync(CancellationToken.None))!.Value;

        Assert.Equal("{\"id\":\"a\"}", first);
        Assert.Equal("{\"id\":\"bb\",\"content\":\"crosses\"}", secondText);
        Assert.Equal(2, second.Number);
        Assert.Equal(secondText, Encoding.UTF8.GetString(again.Bytes.Span));
        Assert.Equal(2, again.Number);
    }

    [Fact]
    public async Task A_chunk_of_the_wrong_size_is_reported_as_damage_rather_than_read()
    {
        await using var stream = new ChunkedReadStream(40, ChunkBytes, (_, _) => Task.FromResult<ReadOnlyMemory<byte>>(new byte[3]));

        var damage = await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[8]).AsTask());

        Assert.Contains("damaged", damage.Message, StringComparison.Ordinal);
    }

    private static ChunkedReadStream Over(byte[] body, out List<long> fetched)
    {
        var log = fetched = [];
        return new ChunkedReadStream(body.Length, ChunkBytes, (sequence, _) =>
        {
            log.Add(sequence);
            var start = (int)(sequence * ChunkBytes);
            return Task.FromResult<ReadOnlyMemory<byte>>(body.AsMemory(start, Math.Min(ChunkBytes, body.Length - start)));
        });
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, int bufferBytes)
    {
        var all = new List<byte>();
        var buffer = new byte[bufferBytes];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            all.AddRange(buffer[..read]);
        }

        return [.. all];
    }
}
