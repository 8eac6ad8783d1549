using System.Collections.Immutable;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary>Turns the documents and source of a task body (alone or in a batch) into grain inputs, after the checks only HTTP makes.</summary>
internal static class TaskInputs
{
    /// <summary>413 for too many or too large documents; <paramref name="prefix"/> places the field (<c>tasks[2].</c>).</summary>
    public static ProblemHttpResult? CheckSizes(List<DocumentInput?>? documents, TasksOptions limits, string prefix)
    {
        if (documents is null)
        {
            return null;
        }

        if (documents.Count > limits.MaxDocuments)
        {
            return Problems.TooLarge($"A task holds at most {limits.MaxDocuments} documents; {prefix}documents has {documents.Count}.");
        }

        for (var i = 0; i < documents.Count; i++)
        {
            if (documents[i]?.Content is { } content && Encoding.UTF8.GetByteCount(content) > limits.MaxDocumentBytes)
            {
                return Problems.TooLarge($"{prefix}documents[{i}] is larger than {limits.MaxDocumentBytes} bytes.");
            }
        }

        return null;
    }

    public static ValidationProblem? CheckShape(List<DocumentInput?>? documents, string prefix) =>
        documents?.IndexOf(null) is >= 0 and var nullAt
            ? Problems.Invalid($"{prefix}documents[{nullAt}]", "A document must be an object with 'id' and 'content'.")
            : null;

    /// <summary>400 unless <paramref name="priority"/> is absent or one of <c>high</c>, <c>normal</c>, <c>low</c>.</summary>
    public static ValidationProblem? CheckPriority(string? priority, string prefix) =>
        priority is null || TaskPriorities.TryParse(priority, out _)
            ? null
            : Problems.Invalid($"{prefix}priority", "The priority is 'high', 'normal' or 'low'.");

    /// <summary>The priority a checked body names; normal when it names none.</summary>
    public static TaskPriority Priority(string? priority) =>
        TaskPriorities.TryParse(priority, out var parsed) ? parsed : TaskPriority.Normal;

    public static ImmutableArray<IndexDocument> Documents(List<DocumentInput?>? documents) =>
        documents is null ? [] : [.. documents.Select(d => new IndexDocument(d!.Id!, d.Title, d.Content!))];

    public static DirectorySource? Source(SourceInput? source) =>
        source is null || source.Upload is not null ? null : new DirectorySource(source.Directory ?? "", source.Pattern ?? "");

    /// <summary>The upload a checked source names (<c>{"upload": id}</c>), or null.</summary>
    public static Guid? Upload(SourceInput? source) =>
        Guid.TryParse(source?.Upload, out var upload) ? upload : null;

    /// <summary>Whether a checked source asks for <c>delete_missing</c>.</summary>
    public static bool DeleteMissing(SourceInput? source) => source?.DeleteMissing == true;

    /// <summary>
    /// 400 for a source naming an upload in a malformed way, or beside a directory; where
    /// <paramref name="uploadsAllowed"/> is false (schedules), for any upload.
    /// </summary>
    public static ValidationProblem? CheckSource(SourceInput? source, string prefix, bool uploadsAllowed)
    {
        if (source?.Upload is null)
        {
            return null;
        }

        if (!uploadsAllowed)
        {
            return Problems.Invalid($"{prefix}source.upload",
                "A schedule runs its task again and again, and an upload never changes: every run after the first would find each document unchanged. " +
                "Schedule a directory source, or create a task or a batch for each upload.");
        }

        return source.Directory is not null || source.Pattern is not null
            ? Problems.Invalid($"{prefix}source", "A source is either a directory (with its pattern) or an upload, not both.")
            : !Guid.TryParse(source.Upload, out _)
            ? Problems.Invalid($"{prefix}source.upload", Tasks.Sources.UploadSources.UnknownMessage)
            : null;
    }
}
