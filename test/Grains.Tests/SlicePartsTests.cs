using Npgsql;
using OrleansTasks.Indexing;

namespace OrleansTasks.Grains.Tests;

public sealed class SlicePartsTests
{
    [Theory]
    [InlineData(0, 2, new[] { 0 })]
    [InlineData(511, 2, new[] { 511 })]
    [InlineData(512, 2, new[] { 256, 256 })]
    [InlineData(2000, 2, new[] { 1000, 1000 })]
    [InlineData(1001, 2, new[] { 501, 500 })]
    [InlineData(2000, 1, new[] { 2000 })]
    [InlineData(600, 4, new[] { 300, 300 })]
    [InlineData(2000, 3, new[] { 667, 667, 666 })]
    public void A_slice_is_cut_into_parts_of_at_least_the_minimum_in_order(int documents, int connections, int[] sizes)
    {
        var parts = SliceParts.Of(documents, connections);

        Assert.Equal(sizes, parts.Select(part => part.GetOffsetAndLength(documents).Length));
        var next = 0;
        foreach (var part in parts)
        {
            Assert.Equal(next, part.Start.GetOffset(documents));
            next = part.End.GetOffset(documents);
        }

        Assert.Equal(documents, next);
    }

    [Fact]
    public void A_slice_of_the_most_documents_has_at_most_the_most_parts() =>
        Assert.Equal(SliceParts.MaxParts, SliceParts.Of(Tasks.SliceSizer.MaxDocuments, int.MaxValue).Count);

    [Fact]
    public void Of_several_failed_parts_the_database_out_of_reach_weighs_most_then_a_refusal_that_will_not_pass()
    {
        var timeout = new NpgsqlException("timed out", new TimeoutException());
        var refused = new PostgresException("value too long", "ERROR", "ERROR", PostgresErrorCodes.StringDataRightTruncation);
        var down = new PostgresException("shutting down", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown);

        Assert.Same(down, SliceParts.Failure([timeout, refused, down]));
        Assert.Same(refused, SliceParts.Failure([timeout, refused]));
        Assert.Same(timeout, SliceParts.Failure([timeout, new TimeoutException()]));
    }

    [Fact]
    public void Extra_connections_are_taken_as_far_as_they_are_free_and_given_back()
    {
        var extra = new ExtraIndexConnections(poolSize: 7);

        using (var first = extra.Take(2))
        using (var second = extra.Take(5))
        {
            Assert.Equal(2, first.Count);
            Assert.Equal(1, second.Count);
            using var none = extra.Take(1);
            Assert.Equal(0, none.Count);
        }

        Assert.Equal(3, extra.Free);
    }

    [Fact]
    public void No_connection_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceParts.Of(10, 0));
}
