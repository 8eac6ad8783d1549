using OrleansTasks.Fuzz;
using OrleansTasks.Fuzz.Harnesses;

namespace OrleansTasks.Gateway.Tests;

/// <summary>What CI runs of the fuzzing harnesses (test/Fuzz): every kept corpus input and crasher, replayed.</summary>
public sealed class FuzzReplayTests
{
    [Fact]
    public void Every_kept_input_of_every_harness_replays_without_a_failure()
    {
        var failures = Replay.Run(AllHarnesses.List, out var inputs);

        Assert.Empty(failures);
        Assert.All(AllHarnesses.List, harness => Assert.NotEmpty(Replay.Inputs(harness.Name)));
        Assert.True(inputs >= AllHarnesses.List.Count);
    }

    [Fact]
    public void A_harness_that_throws_on_a_kept_input_is_reported_with_the_input()
    {
        var failures = Replay.Run([new Throwing()], out var inputs);

        Assert.Equal(inputs, failures.Count);
        Assert.All(failures, failure => Assert.Matches(@"^client-frames (corpus|crashers)/client-frames/\S+: InvalidOperationException: planted$", failure));
    }

    private sealed class Throwing : IHarness
    {
        public string Name => "client-frames";

        public string Covers => "";

        public void Run(byte[] input) => throw new InvalidOperationException("planted");
    }
}
