using System.Diagnostics;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// Where a long test's time goes: each step's duration printed as it ends, failed or not, and kept in the
/// test's output (a report such as <c>--report-xunit-trx</c> holds it; the console's own lines are not kept).
/// </summary>
public sealed class StepClock(string test)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public TimeSpan Elapsed => _clock.Elapsed;

    public async Task StepAsync(string step, Func<Task> run) => await StepAsync(step, async () =>
    {
        await run();
        return true;
    });

    public async Task<T> StepAsync<T>(string step, Func<Task<T>> run)
    {
        var start = _clock.Elapsed;
        var ended = "failed after";
        try
        {
            var result = await run();
            ended = "took";
            return result;
        }
        finally
        {
            var line = $"{test}: {step} {ended} {(_clock.Elapsed - start).TotalSeconds:F0} s (at {_clock.Elapsed.TotalMinutes:F1} min)";
            Console.WriteLine(line);
            TestContext.Current.TestOutputHelper?.WriteLine(line);
        }
    }
}
