namespace OrleansTasks.Tasks.Sources;

/// <summary>The errors that end a streaming task as a whole; a document that cannot be read fails alone.</summary>
public static class SourceErrors
{
    public const string UnreadableCode = "source_unreadable";
    public const string TooLargeCode = "source_too_large";

    public static TaskError Unreadable(TaskSource source) =>
        source.Upload is { } upload
            ? new(UnreadableCode, $"The upload '{upload}' no longer exists.")
            : new(UnreadableCode, $"The source directory '{source.Spec.Directory}' can no longer be read under the server's source roots.");

    public static TaskError TooLarge(int maxDocuments) =>
        new(TooLargeCode, $"The source holds more than {maxDocuments} documents, the most one task reads (Tasks:MaxSourceDocuments).");
}
