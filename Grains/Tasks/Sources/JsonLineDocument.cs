using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// One line of a JSON-lines file as a document: an object <c>{"id", "title", "content"}</c> (title
/// optional), checked as an inline document is. A line that is not such an object is a problem,
/// said in words, which fails that document only.
/// </summary>
public static class JsonLineDocument
{
    public static (IndexDocument? Document, string? Problem) Parse(TextLine line, int maxDocumentBytes)
    {
        if (line.TooLong)
        {
            return (null, $"the line is longer than the {maxDocumentBytes}-byte document limit allows");
        }

        try
        {
            // A file saved with a byte order mark has it before its first line.
            var bytes = line.Number == 1 && line.Bytes.Span.StartsWith(Encoding.UTF8.Preamble) ? line.Bytes[Encoding.UTF8.Preamble.Length..] : line.Bytes;

            // The JSON reader accepts bad UTF-8 inside a string and throws only when the string is read.
            if (!Utf8.IsValid(bytes.Span))
            {
                return (null, "the line is not valid UTF-8");
            }

            using var json = JsonDocument.Parse(bytes);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, "the line is not a JSON object");
            }

            var id = Text(json.RootElement, "id");
            var title = Text(json.RootElement, "title");
            var content = Text(json.RootElement, "content");
            TaskRequestValidator.ValidateDocumentId(id, "id");
            if (content is null)
            {
                return (null, "'content' must be a string");
            }

            if (title is { Length: > TaskRequestValidator.MaxTitleLength })
            {
                return (null, $"a title is at most {TaskRequestValidator.MaxTitleLength} characters");
            }

            if (Encoding.UTF8.GetByteCount(content) > maxDocumentBytes)
            {
                return (null, $"the content is larger than {maxDocumentBytes} bytes");
            }

            return (new IndexDocument(id!, title, content), null);
        }
        catch (JsonException exception)
        {
            return (null, "the line is not valid JSON: " + exception.Message);
        }
        catch (InvalidTaskRequestException exception)
        {
            return (null, exception.Message);
        }
    }

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
