using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// What the process-cluster tests that kill the silo running a task with <c>kill -9</c> during a retry's wait share
/// (<see cref="RetryPolicyFailoverTests"/>, whose index fails; <see cref="SourceRetryFailoverTests"/>, whose source file
/// cannot be read): reaching the wait, the kill, the first answer after it, and when the awaited attempt may run.
/// </summary>
internal static class RetryWaitKills
{
    /// <summary>A client of the cluster's gateway, signed in as alice.</summary>
    public static HttpClient Client(RunningCluster cluster)
    {
        var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        return http;
    }

    public static DateTimeOffset Time(JsonElement value) => DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture);

    /// <summary>
    /// Waits until <paramref name="taskId"/> waits for <paramref name="attempt"/>, then kills the silo running it: at once, or
    /// once no more than <paramref name="killWhenLeft"/> of the wait is left. The task as it showed the wait, the wait's
    /// stored end, the silo killed and when.
    /// </summary>
    public static async Task<(JsonElement Waiting, DateTimeOffset NextAttemptAt, ProcessHost Victim, DateTimeOffset KilledAt)> KillDuringWaitAsync(
        RunningCluster cluster, HttpClient http, Guid taskId, int attempt, TimeSpan? killWhenLeft = null)
    {
        var waiting = await WaitForAttemptAsync(http, taskId, attempt, TimeSpan.FromMinutes(1));
        var nextAttemptAt = Time(waiting.GetProperty("next_attempt_at"));
        var victim = await cluster.SiloRunningAsync(taskId);
        if (killWhenLeft is { } left && nextAttemptAt - left - DateTimeOffset.UtcNow is { Ticks: > 0 } early)
        {
            // A point in the wait, not a condition: killed later in it, a wait begun anew after the kill would end well past this one.
            await Task.Delay(early);
        }

        await victim.KillAsync();
        return (waiting, nextAttemptAt, victim, DateTimeOffset.UtcNow);
    }

    /// <summary>The task once it shows <paramref name="attempt"/>; answers other than 200 (while the cluster recovers from a kill) count as not yet.</summary>
    public static async Task<JsonElement> WaitForAttemptAsync(HttpClient http, Guid taskId, int attempt, TimeSpan deadline)
    {
        var task = default(JsonElement);
        await Eventually.TrueAsync($"task {taskId} to show attempt {attempt}", async () =>
        {
            if (await TryGetAsync(http, taskId) is not { } answer)
            {
                return false;
            }

            task = answer;
            return task.GetProperty("attempt").GetInt32() == attempt;
        }, deadline);
        return task;
    }

    /// <summary>The task's first answer after the kill, which comes from a new activation that read the stored wait, and when it came.</summary>
    public static async Task<(JsonElement Resumed, DateTimeOffset ResumedAt)> FirstAnswerAsync(HttpClient http, Guid taskId)
    {
        var resumed = default(JsonElement);
        await Eventually.TrueAsync("the task to answer again after the kill", async () =>
        {
            if (await TryGetAsync(http, taskId) is not { } answer)
            {
                return false;
            }

            resumed = answer;
            return true;
        }, TimeSpan.FromMinutes(2));
        return (resumed, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// The attempt the killed silo waited for ran at <paramref name="ranAt"/>: not before the wait's stored end
    /// <paramref name="nextAttemptAt"/>, and soon after the wait could end (its end, or the resume if later), not after a new backoff.
    /// </summary>
    public static void AssertWaitedOnlyTheRest(DateTimeOffset ranAt, DateTimeOffset nextAttemptAt, DateTimeOffset resumedAt)
    {
        Assert.True(ranAt >= nextAttemptAt, $"the attempt ran at {ranAt:O}, before its wait ended at {nextAttemptAt:O}");
        var waitEnd = nextAttemptAt > resumedAt ? nextAttemptAt : resumedAt;
        Assert.True(ranAt - waitEnd < TimeSpan.FromSeconds(10), $"the attempt ran {ranAt - waitEnd} after its wait could end: it waited a new backoff");
    }

    private static async Task<JsonElement?> TryGetAsync(HttpClient http, Guid taskId)
    {
        using var response = await http.GetAsync($"/api/tasks/{taskId}");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }
}
