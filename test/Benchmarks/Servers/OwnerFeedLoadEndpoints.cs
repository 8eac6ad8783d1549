namespace OrleansTasks.Benchmarks.Servers;

/// <summary>The gateway's extra control endpoints for the owner-feed scenario: tasks of many owners, and their changes on the owners' feeds.</summary>
internal static class OwnerFeedLoadEndpoints
{
    private static readonly ParallelOptions Parallelism = new() { MaxDegreeOfParallelism = 32 };

    public static void MapOwnerFeedLoad(this WebApplication app, IGrainFactory grains)
    {
        // One real task per owner given (waiting for a start time a day ahead), in the same order.
        app.MapPost("/bench/owned-tasks", async (string[] owners) =>
        {
            var ids = owners.Select(_ => Guid.NewGuid()).ToArray();
            var runAt = DateTimeOffset.UtcNow.AddDays(1);
            await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), Parallelism, async (i, _) =>
                await grains.GetGrain<IIndexTaskGrain>(ids[i]).Start(new StartIndexTask(
                    owners[i], "bench", [new IndexDocument("document", null, "text")], RunAt: runAt)));
            return ids;
        }).AllowAnonymous();
        app.MapPost("/bench/owner-publish", async (int rate, int milliseconds, Guid[] tasks) =>
        {
            await Parallel.ForEachAsync(tasks, Parallelism, async (id, _) =>
                await grains.GetGrain<IOwnerFeedLoadGrain>(id).Start(rate, TimeSpan.FromMilliseconds(milliseconds)));
            return Results.NoContent();
        }).AllowAnonymous();
        app.MapPost("/bench/owner-seqs", (Guid[] tasks) =>
            Task.WhenAll(tasks.Select(id => grains.GetGrain<IOwnerFeedLoadGrain>(id).LastSeq()))).AllowAnonymous();
    }
}
