using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A slice's Lucene writes go in lanes written at once: as many as the cores, 128 documents or more each on average, every write
/// of one document in one lane, in order; and a slice that names a document twice keeps its last content.
/// </summary>
public sealed class LuceneLanesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("orleans-tasks-index-").FullName;

    [Theory]
    [InlineData(1, 2, 1)]
    [InlineData(255, 2, 1)]
    [InlineData(256, 2, 2)]
    [InlineData(2_000, 2, 2)]
    [InlineData(2_000, 1, 1)]
    [InlineData(2_000, 0, 1)]
    [InlineData(900, 16, 7)]
    [InlineData(20_000, 64, LuceneLanes.MaxLanes)]
    public void Lanes_are_as_many_as_the_cores_with_enough_documents_each(int documents, int processors, int lanes) =>
        Assert.Equal(lanes, LuceneLanes.Split(Keys(documents), processors).Length);

    [Fact]
    public void Every_write_is_in_one_lane_in_the_slice_s_order_and_a_key_s_writes_share_a_lane()
    {
        // The second writes in reverse: no lane split by position alone keeps them with the first.
        var keys = Keys(3_000).Concat(Keys(500).AsEnumerable().Reverse()).ToList();

        var lanes = LuceneLanes.Split(keys, processors: 4);

        Assert.Equal(Enumerable.Range(0, keys.Count), lanes.SelectMany(lane => lane).Order());
        Assert.All(lanes, lane => Assert.Equal(lane.Order(), lane));
        Assert.All(lanes, lane => Assert.InRange(lane.Count, 500, 1_300));
        var laneOf = new Dictionary<string, int>();
        for (var lane = 0; lane < lanes.Length; lane++)
        {
            foreach (var i in lanes[lane])
            {
                Assert.Equal(lane, laneOf.TryAdd(keys[i], lane) ? lane : laneOf[keys[i]]);
            }
        }
    }

    [Fact]
    public async Task A_slice_naming_a_document_twice_keeps_its_last_content_and_counts_both_writes()
    {
        using var index = LuceneDocumentIndex.Open(_directory, TimeSpan.FromDays(1), processors: 4);
        var documents = Enumerable.Range(0, 2_000).Select(i => new IndexDocument($"doc{i}", null, $"orleans grain number{i}")).ToList();
        var rewritten = Enumerable.Range(0, 2_000).Where(i => i % 10 == 0).Reverse().Select(i => new IndexDocument($"doc{i}", null, $"silo rewritten{i}"));

        var results = await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", [.. documents, .. rewritten], CancellationToken.None);

        Assert.Equal(2_200, results.Count(result => result.Outcome == DocumentOutcome.Indexed));
        Assert.Equal(2_200, await index.CountWritesAsync("c", CancellationToken.None));
        Assert.Empty(await index.SearchAsync("c", SearchQueryParser.Parse("number10"), 10, CancellationToken.None));
        Assert.Equal("doc10", Assert.Single(await index.SearchAsync("c", SearchQueryParser.Parse("rewritten10"), 10, CancellationToken.None)).Id);
        Assert.Equal(200, (await index.SearchAsync("c", SearchQueryParser.Parse("silo"), 1_000, CancellationToken.None)).Length);
        Assert.Equal(1_800, (await index.SearchAsync("c", SearchQueryParser.Parse("orleans"), 2_000, CancellationToken.None)).Length);
    }

    [Fact]
    public async Task A_lane_that_fails_fails_the_slice_with_its_error_unwrapped_and_the_slice_tried_again_counts_each_document_once()
    {
        // A day between reopenings: what the failed slice wrote is known only from what it remembered.
        using var index = LuceneDocumentIndex.Open(_directory, TimeSpan.FromDays(1), processors: 4);
        var task = Guid.NewGuid();
        var documents = Enumerable.Range(0, 2_000).Select(i => Hashed($"doc{i}", $"orleans grain number{i}")).ToList();
        // An id longer than Lucene's longest term (32,766 bytes) is refused by the writer, which goes on.
        var refused = Hashed(new string('x', 40_000), "orleans grain refused");

        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.UpsertAsync("c", task, [.. documents[..1_000], refused, .. documents[1_000..]], CancellationToken.None));
        var again = await index.UpsertAsync("c", task, documents, CancellationToken.None);

        Assert.DoesNotContain(IndexWrite.Unchanged, again);
        Assert.Contains(IndexWrite.AlreadyWrittenByThisTask, again);
        Assert.Contains(IndexWrite.Written, again);
        Assert.Equal(2_000, await index.CountWritesAsync("c", CancellationToken.None));
        Assert.Equal(2_000, (await index.SearchAsync("c", SearchQueryParser.Parse("orleans"), 3_000, CancellationToken.None)).Length);
    }

    private static HashedDocument Hashed(string id, string content) => new(id, null, content, ContentHash.Sha256Hex(content));

    private static List<string> Keys(int count) => [.. Enumerable.Range(0, count).Select(i => $"c\u001fdoc{i}")];

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
