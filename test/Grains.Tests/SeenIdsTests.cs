using OrleansTasks.Indexing;

namespace OrleansTasks.Grains.Tests;

/// <summary>The ids a <c>delete_missing</c> pass saw, held as hashes: every seen id is found, across additions after lookups.</summary>
public sealed class SeenIdsTests
{
    [Fact]
    public void Every_seen_id_is_found_and_unseen_ones_are_not_also_after_more_are_added()
    {
        var seen = new SeenIds();
        seen.AddRange(Enumerable.Range(0, 50_000).Select(i => $"doc-{i:D8}"));

        Assert.True(seen.Contains("doc-00000000"));
        Assert.False(seen.Contains("doc-00050000"));
        seen.AddRange(["doc-00050000", "notes/ünïcödé.md"]);

        Assert.Equal(50_002, seen.Count);
        Assert.All(Enumerable.Range(0, 50_001), i => Assert.True(seen.Contains($"doc-{i:D8}")));
        Assert.True(seen.Contains("notes/ünïcödé.md"));
        Assert.Equal(0, Enumerable.Range(50_001, 50_000).Count(i => seen.Contains($"doc-{i:D8}")));
        Assert.False(seen.Contains("DOC-00000001"));
    }

    [Fact]
    public void An_id_recorded_again_by_a_retried_slice_is_kept_once()
    {
        var seen = new SeenIds();
        var slice = Enumerable.Range(0, 1_000).Select(i => $"doc-{i:D8}").ToList();

        seen.AddRange(slice);
        Assert.True(seen.Contains("doc-00000999"));
        seen.AddRange(slice);
        seen.AddRange(slice.Take(10));

        Assert.Equal(1_000, seen.Count);
        Assert.All(slice, id => Assert.True(seen.Contains(id)));
    }
}
