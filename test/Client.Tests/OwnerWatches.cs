using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>What the owner-feed watch tests share: documents to index, the feeds a service holds, and a watch collected as it goes.</summary>
internal static class OwnerWatches
{
    public static ImmutableArray<IndexDocument> Documents(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new IndexDocument($"d{i}.md", null, TaskRequests.Content(i, 40)))];

    public static int FeedsOf(IHost service) =>
        service.Services.GetRequiredService<Feeds.OwnerFeedRegistry>().Feeds.Count;

    /// <summary>Enumerates <paramref name="watch"/> in the background, keeping what it hands out.</summary>
    public static (ConcurrentQueue<T> Seen, Task Ended) Collect<T>(IAsyncEnumerable<T> watch)
    {
        var seen = new ConcurrentQueue<T>();
        async Task RunAsync()
        {
            await foreach (var change in watch)
            {
                seen.Enqueue(change);
            }
        }

        return (seen, Task.Run(RunAsync));
    }
}
