using System.Diagnostics;

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
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var process = Process.GetCurrentProcess();
            return new MemoryReading(process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false));
        }).AllowAnonymous();
    }
}

internal sealed record MemoryReading(long WorkingSetBytes, long ManagedBytes);
