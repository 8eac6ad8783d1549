namespace OrleansTasks.Grains.Tests;

/// <summary>An idempotency key whose write fails keeps nothing, and one request's release never frees a key another request holds.</summary>
[Collection(FaultClusterCollection.Name)]
public sealed class IdempotencyKeyFailedWriteTests(FaultClusterFixture fixture)
{
    private IIdempotencyKeyGrain NewKey() =>
        fixture.Client.GetGrain<IIdempotencyKeyGrain>(IIdempotencyKeyGrain.KeyFor("alice", "k" + Guid.NewGuid().ToString("N")));

    [Fact]
    public async Task A_claim_that_failed_to_store_leaves_the_key_unclaimed()
    {
        // A key that was claimed and released (its request was refused) is claimed again, and that write fails.
        var key = NewKey();
        var refused = await key.Claim(Guid.NewGuid(), "request");
        await key.Release(refused.TaskId);
        fixture.Faults.FailWrites(key.GetGrainId());
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();

        await Assert.ThrowsAsync<OrleansException>(() => key.Claim(first, "request"));
        var claim = await key.Claim(second, "request");

        Assert.True(claim.IsNew);
        Assert.Equal(second, claim.TaskId);
    }

    [Fact]
    public async Task A_refused_request_does_not_free_a_key_a_concurrent_request_holds()
    {
        var key = NewKey();
        var proposed = Guid.NewGuid();
        var first = await key.Claim(proposed, "request");
        var concurrent = await key.Claim(Guid.NewGuid(), "request");

        // The first request's create was refused; the concurrent one's succeeded meanwhile.
        await key.Release(first.TaskId);
        var retry = await key.Claim(Guid.NewGuid(), "request");

        Assert.Equal(proposed, concurrent.TaskId);
        Assert.False(retry.IsNew);
        Assert.Equal(proposed, retry.TaskId);
    }

    [Fact]
    public async Task A_key_whose_every_holder_was_refused_is_free_again()
    {
        var key = NewKey();
        var first = await key.Claim(Guid.NewGuid(), "request");
        await key.Claim(Guid.NewGuid(), "request");

        await key.Release(first.TaskId);
        await key.Release(first.TaskId);
        var next = Guid.NewGuid();
        var claim = await key.Claim(next, "request");

        Assert.True(claim.IsNew);
        Assert.Equal(next, claim.TaskId);
    }
}
