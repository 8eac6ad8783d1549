using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// One line of a JSON-lines file as a document: an object <c>{"id", "title", "content"}</c> (title
/// optional), checked as an inline document is. A line that is not such an object is a problem,
/// said in words, which fails that document only. A failed line still names the document id it
/// holds when it was read far enough (a JSON object with a valid string <c>id</c>), so that
/// <c>delete_missing</c> keeps that document; when it was not (not JSON, not UTF-8, too long to
/// hold) its id is unknown.
/// </summary>
public static class JsonLineDocument
{
    public static ParsedLine Parse(TextLine line, int maxDocumentBytes)
    {
        if (line.TooLong)
        {
            return ParsedLine.Unknown($"the line is longer than the {maxDocumentBytes}-byte document limit allows");
        }

        string? named = null;
        try
        {
            // A file saved with a byte order mark has it before its first line.
            var bytes = line.Number == 1 && line.Bytes.Span.StartsWith(Encoding.UTF8.Preamble) ? line.Bytes[Encoding.UTF8.Preamble.Length..] : line.Bytes;

            // The JSON reader accepts bad UTF-8 inside a string and throws only when the string is read.
            if (!Utf8.IsValid(bytes.Span))
            {
                return ParsedLine.Unknown("the line is not valid UTF-8");
            }

            using var json = JsonDocument.Parse(bytes);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ParsedLine.Unknown("the line is not a JSON object");
            }

            named = NamedId(json.RootElement);
            var id = Text(json.RootElement, "id");
            var title = Text(json.RootElement, "title");
            var content = Text(json.RootElement, "content");
            TaskRequestValidator.ValidateDocumentId(id, "id");
            if (content is null)
            {
                return new ParsedLine(null, "'content' must be a string", named, IdUnknown: false);
            }

            if (title is { Length: > TaskRequestValidator.MaxTitleLength })
            {
                return new ParsedLine(null, $"a title is at most {TaskRequestValidator.MaxTitleLength} characters", named, IdUnknown: false);
            }

            if (Encoding.UTF8.GetByteCount(content) > maxDocumentBytes)
            {
                return new ParsedLine(null, $"the content is larger than {maxDocumentBytes} bytes", named, IdUnknown: false);
            }

            var document = new IndexDocument(id!, title, content);
            return new ParsedLine(document, null, document.Id, IdUnknown: false);
        }
        catch (JsonException exception)
        {
            return ParsedLine.Unknown("the line is not valid JSON: " + exception.Message);
        }
        catch (InvalidTaskRequestException exception)
        {
            return new ParsedLine(null, exception.Message, named, IdUnknown: false);
        }
    }

    /// <summary>The line's <c>id</c> when it is one a document can have; null otherwise (no document can be stored under it).</summary>
    private static string? NamedId(JsonElement root) =>
        root.TryGetProperty("id", out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { } id
            && TaskRequestValidator.IsValidDocumentId(id)
            ? id
            : null;

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                _ => throw new InvalidTaskRequestException(name, $"'{name}' must be a string"),
            }
            : null;
}
