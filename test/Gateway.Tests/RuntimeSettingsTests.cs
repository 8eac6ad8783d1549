using System.Text.Json;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The processes ship with the thread pool's spinning off: on a small machine an idle worker's spinning
/// took a quarter of a silo's processor under many small tasks (BENCHMARKS.md).
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Theory]
    [InlineData("OrleansTasks.Silo")]
    [InlineData("OrleansTasks.Gateway")]
    public void Process_ships_with_the_thread_pool_spinning_off(string assembly)
    {
        var file = Path.Combine(AppContext.BaseDirectory, assembly + ".runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(file));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(
            properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var limit),
            $"{file} sets no System.Threading.ThreadPool.UnfairSemaphoreSpinLimit");
        Assert.Equal(0, limit.GetInt32());
    }
}
