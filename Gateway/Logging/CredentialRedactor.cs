using System.Text.RegularExpressions;

namespace OrleansTasks.Gateway.Logging;

/// <summary>Blanks the credentials a URL can carry — <c>token=</c>, <c>ticket=</c>, <c>access_token=</c> — in text bound for a log.</summary>
public static partial class CredentialRedactor
{
    public const string Replacement = "[redacted]";

    [GeneratedRegex(@"(?<=(?:^|[?&;\s])(?:token|ticket|access_token)=)[^&#;\s""']+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Credential();

    /// <summary>A cheap test that lets nearly every log line through untouched.</summary>
    public static bool MayContain(string? text) =>
        text is not null
        && (text.Contains("token=", StringComparison.OrdinalIgnoreCase) || text.Contains("ticket=", StringComparison.OrdinalIgnoreCase));

    public static string Redact(string text) => MayContain(text) ? Credential().Replace(text, Replacement) : text;
}
