using OrleansTasks.Uploads;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The checks of an upload a new task is to read: it must exist, be complete and belong to the task's
/// owner; any other upload gets the same answer as an unknown one. A task that passes is recorded as
/// reading it, so that retention keeps the upload as long as the task is kept.
/// </summary>
public static class UploadSources
{
    public const string Field = "source.upload";

    /// <summary>The one answer for an unknown upload, an incomplete one and another user's.</summary>
    public const string UnknownMessage = "No complete upload with this id exists for you.";

    /// <summary>The upload's documents (counted when it was received); throws <see cref="InvalidTaskRequestException"/> naming <see cref="Field"/>.</summary>
    public static async Task<int> AcceptAsync(IUploadStore uploads, Guid uploadId, string ownerId, Guid taskId, TasksOptions options)
    {
        ArgumentNullException.ThrowIfNull(uploads);
        ArgumentNullException.ThrowIfNull(options);
        var upload = await uploads.FindAsync(uploadId, CancellationToken.None);
        if (upload is not { Completed: true } || upload.OwnerId != ownerId)
        {
            throw new InvalidTaskRequestException(Field, UnknownMessage);
        }

        if (upload.Lines > options.MaxSourceDocuments)
        {
            throw new InvalidTaskRequestException(Field,
                $"The upload holds {upload.Lines} documents, more than the {options.MaxSourceDocuments} one task reads (Tasks:MaxSourceDocuments).");
        }

        await uploads.AddReaderAsync(uploadId, taskId, CancellationToken.None);
        return (int)upload.Lines;
    }
}
