using System.Collections.Immutable;
using System.Diagnostics;

namespace OrleansTasks.Benchmarks;

internal static class Runs
{
    public static async Task<TimeSpan> RunToEndAsync(IGrainFactory grains, ImmutableArray<IndexDocument> documents, string collection)
    {
        var task = grains.GetGrain<IIndexTaskGrain>(Guid.NewGuid());
        var started = Stopwatch.GetTimestamp();
        await task.Start(new StartIndexTask("bench", collection, documents));
        while ((await task.GetSnapshot())?.IsTerminal != true)
        {
            await Task.Delay(10);
        }

        return Stopwatch.GetElapsedTime(started);
    }
}
