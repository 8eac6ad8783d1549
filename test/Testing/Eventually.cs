using System.Runtime.CompilerServices;

namespace OrleansTasks.Testing;

/// <summary>
/// Waits for a condition with a deadline instead of sleeping a fixed time. A timeout is a
/// <see cref="TimeoutException"/> naming what was awaited: the description given, or else the
/// condition's own source text.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(60);

    public static Task TrueAsync(
        Func<Task<bool>> condition, TimeSpan? deadline = null, [CallerArgumentExpression(nameof(condition))] string waitingFor = "")
        => TrueAsync(waitingFor, condition, deadline);

    public static Task TrueAsync(
        Func<bool> condition, TimeSpan? deadline = null, [CallerArgumentExpression(nameof(condition))] string waitingFor = "")
        => TrueAsync(waitingFor, () => Task.FromResult(condition()), deadline);

    /// <summary>Waits for <paramref name="condition"/>; a timeout names <paramref name="waitingFor"/>.</summary>
    public static Task TrueAsync(string waitingFor, Func<Task<bool>> condition, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return Deadline.RunAsync(
            async cancelled =>
            {
                while (!await condition())
                {
                    await Task.Delay(25, cancelled);
                }
            },
            deadline ?? DefaultDeadline,
            waitingFor);
    }
}
