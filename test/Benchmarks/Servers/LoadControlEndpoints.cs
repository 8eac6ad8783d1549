using System.Diagnostics;
using System.Text.Json;

namespace OrleansTasks.Benchmarks.Servers;

/// <summary>The endpoints through which the load generator drives a server; the same on every server.</summary>
internal static class LoadControlEndpoints
{
    public static void MapLoadControl(this WebApplication app, ILoadTarget target)
    {
        app.MapPost("/bench/topics", (int count) => target.CreateTopicsAsync(count)).AllowAnonymous();
        app.MapPost("/bench/publish", async (int rate, int milliseconds, Guid[] topics) =>
        {
            await target.StartPublishingAsync(topics, rate, TimeSpan.FromMilliseconds(milliseconds));
            return Results.NoContent();
        }).AllowAnonymous();
        app.MapGet("/bench/memory", () =>
        {
            // Aggressive: compacting, and the free memory goes back to the system, so the working set
            // is what the server holds rather than what its collector kept committed after a burst.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            using var process = Process.GetCurrentProcess();
            // Explicit options: the gateway's JSON is snake_case, the generator reads the web defaults.
            return Results.Json(new MemoryReading(process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false)), JsonSerializerOptions.Web);
        }).AllowAnonymous();
        app.MapGet("/bench/gc", () => Results.Json(
            new GcReading(GC.GetTotalAllocatedBytes(precise: false), GC.GetTotalPauseDuration().TotalMilliseconds, GC.CollectionCount(0)),
            JsonSerializerOptions.Web)).AllowAnonymous();
    }
}

/// <summary>Bytes allocated, time paused for collections and gen0 collections since the server started.</summary>
internal sealed record GcReading(long AllocatedBytes, double PausedMilliseconds, int Collections);

internal sealed record MemoryReading(long WorkingSetBytes, long ManagedBytes);
