using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTasks.History;

/// <summary>
/// Folds the deltas the task_history triggers append (migration 0011) into the counts' totals in
/// every silo, <see cref="ChunkRows"/> at a time every <see cref="Period"/>, so that the deltas stay
/// a second's worth of writes whether or not anyone reads the counts. Silos fold side by side:
/// each chunk skips the deltas another fold holds.
/// </summary>
public sealed partial class TaskStatusCountsFolding(NpgsqlDataSource database, TimeProvider time, ILogger<TaskStatusCountsFolding> logger)
    : BackgroundService
{
    /// <summary>How often the deltas are folded.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    /// <summary>The most deltas one statement folds; a round folds chunks until one comes back short.</summary>
    public const int ChunkRows = 10_000;

    /// <summary>The fold of at most <paramref name="maxRows"/> deltas; it returns how many it folded.</summary>
    public static NpgsqlBatchCommand FoldCommand(int maxRows) =>
        new("SELECT task_status_counts_fold(@max_rows)") { Parameters = { new NpgsqlParameter<int>("max_rows", maxRows) } };

    /// <summary>Folds chunks until the deltas are drained (as far as no other fold holds them); returns how many it folded.</summary>
    public static async Task<long> FoldAllAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        long folded = 0;
        int chunk;
        do
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { FoldCommand(ChunkRows) } };
            chunk = (int)(await batch.ExecuteScalarAsync(cancellationToken))!;
            folded += chunk;
        }
        while (chunk == ChunkRows);

        return folded;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        var failing = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FoldAllAsync(database, stoppingToken);
                failing = false;
            }
            catch (Exception failure) when (!stoppingToken.IsCancellationRequested)
            {
                // Housekeeping must not stop the silo (an escaping exception would): a database
                // away is reported by the rest of the silo, here once per outage, and retried.
                if (!failing)
                {
                    Log.FoldFailed(logger, failure);
                }

                failing = true;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Counts by status: folding the deltas into the totals failed; retrying every second")]
        public static partial void FoldFailed(ILogger logger, Exception failure);
    }
}
