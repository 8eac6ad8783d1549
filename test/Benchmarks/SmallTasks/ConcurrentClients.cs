namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>One task as its client submitted it: when it first tried, when it was accepted, and the id it got (null: never accepted).</summary>
internal sealed record Submission<TId>(int Number, DateTime Submitted, DateTime Accepted, TId? Id);

/// <summary>
/// Clients submitting tasks concurrently, each one after the other, taking the next task number
/// from a shared count. Each client starts on a thread of its own, so that a blocking client
/// library (Hangfire's) does not wait for the thread pool to grow.
/// </summary>
internal static class ConcurrentClients
{
    public static async Task<Submission<TId>[]> RunAsync<TId>(int tasks, int clients, Func<int, Task<TId?>> submit)
    {
        var submissions = new Submission<TId>[tasks];
        var next = -1;
        async Task ClientAsync()
        {
            int number;
            while ((number = Interlocked.Increment(ref next)) < tasks)
            {
                var submitted = DateTime.UtcNow;
                var id = await submit(number);
                submissions[number] = new Submission<TId>(number, submitted, DateTime.UtcNow, id);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ =>
            Task.Factory.StartNew(ClientAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));
        return submissions;
    }
}
