using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

public sealed class MaxRunningPerSiloDefaultTests
{
    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 4)]
    [InlineData(3, 6)]
    [InlineData(16, 32)]
    public void TwoSlotsPerCoreAtLeastFour(int processors, int slots) =>
        Assert.Equal(slots, TasksOptions.DefaultMaxRunningPerSilo(processors));

    [Fact]
    public void TheOptionsDefaultFollowsThisMachine() =>
        Assert.Equal(TasksOptions.DefaultMaxRunningPerSilo(Environment.ProcessorCount), new TasksOptions().MaxRunningPerSilo);
}
