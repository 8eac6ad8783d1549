using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace OrleansTasks.Testing;

/// <summary>Checks the message of a retry wait, whose length is drawn at random up to a quarter past the policy's wait.</summary>
public static partial class RetryMessages
{
    /// <summary>
    /// <paramref name="message"/> announces attempt <paramref name="attempt"/> of <paramref name="maxAttempts"/> after the index
    /// timed out, in a wait from <paramref name="wait"/> to a quarter more (the message rounds it to a tenth of a second).
    /// </summary>
    public static void AssertWait(string? message, int attempt, int maxAttempts, TimeSpan wait)
    {
        var seconds = Wait(message, attempt, maxAttempts, "the document index timed out").TotalSeconds;
        Assert.InRange(seconds, wait.TotalSeconds - 0.06, (wait.TotalSeconds * 1.25) + 0.06);
    }

    /// <summary>
    /// The wait <paramref name="message"/> announces (rounded to a tenth of a second), once it is checked to announce attempt
    /// <paramref name="attempt"/> of <paramref name="maxAttempts"/> after <paramref name="reason"/>.
    /// </summary>
    public static TimeSpan Wait(string? message, int attempt, int maxAttempts, string reason)
    {
        var match = WaitPattern().Match(message ?? "");
        Assert.True(match.Success, $"not a retry wait: {message}");
        Assert.Equal((attempt, maxAttempts), (int.Parse(match.Groups["attempt"].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups["of"].Value, CultureInfo.InvariantCulture)));
        Assert.Equal(reason, match.Groups["reason"].Value);
        return TimeSpan.FromSeconds(double.Parse(match.Groups["seconds"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^Retrying in (?<seconds>\d+(\.\d)?) s \(attempt (?<attempt>\d+) of (?<of>\d+)\): (?<reason>.+)$")]
    private static partial Regex WaitPattern();
}
