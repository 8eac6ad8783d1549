using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The database's round trip is measured quick while this process is starved of processor: its
/// thread pool's threads all busy and more runnable threads than processors, where a round trip
/// timed through the thread pool (as a slice times its own) takes as long as a slow database's.
/// </summary>
[Collection(StarvedProcessCollection.Name)]
public sealed class DatabaseRoundTripsStarvationTests(PostgresServer postgres)
{
    private static readonly TimeSpan Slow = new TasksOptions().SlowDatabaseRoundTrip;

    [Fact]
    public async Task A_process_starved_of_processor_is_not_measured_as_a_slow_database()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(migrate: false));
        await using (await database.OpenConnectionAsync())
        {
            // One connection waiting in the pool for the measurements.
        }

        await using var connection = await database.OpenConnectionAsync();

        // Measuring from the start of the starvation: whatever it reports was measured starved.
        using var roundTrips = new DatabaseRoundTrips(TimeProvider.System, NullLogger<DatabaseRoundTrips>.Instance, database);

        // Busy work on every thread the pool has or adds, as a silo whose grains all index at once:
        // queued work waits for a thread, and the runnable threads outnumber the processors.
        var starved = TimeSpan.FromSeconds(6);
        var until = Stopwatch.GetTimestamp() + (long)(starved.TotalSeconds * Stopwatch.Frequency);
        // More than the pool has threads (earlier tests in this process may have grown it), so none stays idle.
        var hogs = Enumerable.Range(0, Math.Max(64, 2 * ThreadPool.ThreadCount)).Select(_ => Task.Run(() =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(1000);
            }
        })).ToList();

        var watched = Watch(roundTrips, until);
        // Round trips timed as a slice times its own, once the hogs hold the pool: their continuations
        // wait in the pool's queue. Started from a thread of its own, since the pool's are taken.
        var throughThePool = TimeWhileStarvedAsync(connection, TimeSpan.FromSeconds(1), until);

        await Task.WhenAll(hogs);
        var (readings, poolLag) = await watched;
        var pooled = await throughThePool;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"pool work waited up to {poolLag.TotalMilliseconds:F0} ms, round trips through the pool took up to {pooled.TotalMilliseconds:F0} ms; measured: {Describe(readings)}");

        Assert.True(poolLag >= 2 * Slow, $"the busy work did not starve the thread pool (work waited at most {poolLag}): the test proved nothing");
        Assert.True(pooled >= Slow, $"round trips timed through the starved pool took at most {pooled}: the test proved nothing");
        // Measuring began with the starvation: a reading is the shortest of at least two round trips timed starved.
        Assert.True(readings.Any(reading => reading is not null), $"the round trip was not measured while starved: {Describe(readings)}");
        Assert.All(readings, reading => Assert.True(reading is null || reading < Slow, $"starved, the database was measured slow: {Describe(readings)}"));
    }

    /// <summary>
    /// The longest of the round trips timed one after another, through the pool, from <paramref name="after"/>
    /// until the starvation ends: the pool adds threads now and then, and one round trip may find one free.
    /// </summary>
    private static Task<TimeSpan> TimeWhileStarvedAsync(NpgsqlConnection connection, TimeSpan after, long until)
    {
        var timed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var pace = new ManualResetEventSlim();
            pace.Wait(after);
            var longest = TimeSpan.Zero;
            while (Stopwatch.GetTimestamp() < until)
            {
                var roundTrip = TimeAsync(connection).GetAwaiter().GetResult();
                longest = roundTrip > longest ? roundTrip : longest;
            }

            timed.SetResult(longest);
        }) { IsBackground = true, Name = "Round trips while starved" };
        thread.Start();
        return timed.Task;
    }

    /// <summary>
    /// A round trip as a grain's slice sees it: the statement, then the continuation queued to the
    /// pool's global queue (as the grain's scheduler queues its work). Not the bare await: socket
    /// completions jump the pool's queue as high-priority work, so a plain await after the reply
    /// may run the moment the pool adds a thread.
    /// </summary>
    private static async Task<TimeSpan> TimeAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        var started = Stopwatch.GetTimestamp();
        await command.ExecuteScalarAsync();
        var resumed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        ThreadPool.UnsafeQueueUserWorkItem(_ => resumed.SetResult(Stopwatch.GetElapsedTime(started)), null);
        return await resumed.Task;
    }

    /// <summary>
    /// On a thread of its own until <paramref name="until"/>, every 100 ms: what the round trips
    /// say, and how long a work item queued to the thread pool waits to run.
    /// </summary>
    private static Task<(List<TimeSpan?> Readings, TimeSpan PoolLag)> Watch(DatabaseRoundTrips roundTrips, long until)
    {
        var done = new TaskCompletionSource<(List<TimeSpan?>, TimeSpan)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var readings = new List<TimeSpan?>();
            var queued = new List<TaskCompletionSource<TimeSpan>>();
            using var pace = new ManualResetEventSlim();
            while (Stopwatch.GetTimestamp() < until)
            {
                roundTrips.Demand();
                readings.Add(roundTrips.Recent);
                var ran = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
                var at = Stopwatch.GetTimestamp();
                ThreadPool.UnsafeQueueUserWorkItem(_ => ran.SetResult(Stopwatch.GetElapsedTime(at)), null);
                queued.Add(ran);

                // Paces the readings; nothing is awaited here.
                pace.Wait(TimeSpan.FromMilliseconds(100));
            }

            Task.WhenAll(queued.Select(item => item.Task)).ContinueWith(
                lags => done.SetResult((readings, lags.Result.Max())), TaskScheduler.Default);
        }) { IsBackground = true, Name = "Starvation watch" };
        thread.Start();
        return done.Task;
    }

    private static string Describe(List<TimeSpan?> readings) =>
        string.Join(", ", readings.Select(reading => reading is { } value ? $"{value.TotalMilliseconds:F0} ms" : "-"));
}

/// <summary>Swamps this process's thread pool for seconds: runs alone, so that no other test's silo misses its probes meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StarvedProcessCollection
{
    public const string Name = "starved process";
}
