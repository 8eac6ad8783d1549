using System.Net;

namespace OrleansTasks.Indexing;

/// <summary>
/// Turns a highlighted fragment into safe HTML: the text is escaped, and only the highlight
/// markers (private-use characters no document text is expected to hold) become <c>&lt;mark&gt;</c>.
/// </summary>
public static class SnippetMarkup
{
    public const string Start = "\uE000";
    public const string Stop = "\uE001";

    public static string ToHtml(string fragment) =>
        WebUtility.HtmlEncode(fragment).Replace(Start, "<mark>", StringComparison.Ordinal).Replace(Stop, "</mark>", StringComparison.Ordinal);
}
