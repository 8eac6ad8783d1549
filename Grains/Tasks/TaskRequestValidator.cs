using System.Text;
using System.Text.RegularExpressions;

namespace OrleansTasks.Tasks;

/// <summary>Checks a <see cref="StartIndexTask"/> before anything is stored; throws <see cref="InvalidTaskRequestException"/>.</summary>
public static partial class TaskRequestValidator
{
    public const int MaxDocumentIdLength = 512;
    public const int MaxTitleLength = 1024;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex CollectionPattern();

    public static bool IsValidCollection(string? collection) =>
        collection is not null && CollectionPattern().IsMatch(collection);

    /// <summary>How far ahead <c>run_at</c> may be.</summary>
    public static readonly TimeSpan MaxRunAtAhead = TimeSpan.FromDays(3660);

    /// <summary>Checks a single task's request, given at <paramref name="now"/>: its content and its start time.</summary>
    public static void Validate(StartIndexTask request, TasksOptions limits, DateTimeOffset now)
    {
        Validate(request, limits);
        if (request.RunAt > now + MaxRunAtAhead)
        {
            throw new InvalidTaskRequestException("run_at", "'run_at' is at most 10 years ahead.");
        }
    }

    public static void Validate(StartIndexTask request, TasksOptions limits)
    {
        if (string.IsNullOrWhiteSpace(request.OwnerId))
        {
            throw new InvalidTaskRequestException("owner_id", "The task needs an owner.");
        }

        if (!IsValidCollection(request.Collection))
        {
            throw new InvalidTaskRequestException("collection",
                "The collection name must be 1–64 characters of letters, digits, '_', '.' or '-', starting with a letter or digit.");
        }

        if (!Enum.IsDefined(request.Priority))
        {
            throw new InvalidTaskRequestException("priority", "The priority is 'high', 'normal' or 'low'.");
        }

        var hasDocuments = !request.Documents.IsDefaultOrEmpty;
        if ((hasDocuments ? 1 : 0) + (request.Source is null ? 0 : 1) + (request.Upload is null ? 0 : 1) != 1)
        {
            throw new InvalidTaskRequestException("documents", "Give either a non-empty 'documents' list or a 'source', not both.");
        }

        if (hasDocuments)
        {
            ValidateDocuments(request.Documents, limits);
        }

        if (request.DeleteMissing && hasDocuments)
        {
            throw new InvalidTaskRequestException("source.delete_missing",
                "'delete_missing' removes what a source no longer holds: it needs a directory or upload source, not inline documents.");
        }

        ValidatePolicies(request.Retry, request.Timeout, limits.Retry);
    }

    /// <summary>
    /// Checks a task's own retry policy and time limit against <see cref="TaskRetryLimits"/>, and the policy it
    /// makes with the fields it leaves to <paramref name="defaults"/> (<c>Tasks:Retry</c>).
    /// </summary>
    public static void ValidatePolicies(TaskRetryPolicy? retry, TimeSpan? timeout, RetryOptions? defaults = null)
    {
        if (timeout is { } limit && limit != StartIndexTask.NoTimeout && (limit < TaskRetryLimits.MinTimeout || limit > TaskRetryLimits.MaxTimeout))
        {
            throw new InvalidTaskRequestException("timeout", "'timeout' is a duration from 1 second (PT1S) to 30 days (P30D).");
        }

        if (retry is null)
        {
            return;
        }

        if (retry.MaxAttempts is < 1 or > TaskRetryLimits.MaxAttempts)
        {
            throw new InvalidTaskRequestException("retry.max_attempts", $"'retry.max_attempts' is from 1 (no retry) to {TaskRetryLimits.MaxAttempts}.");
        }

        CheckInterval(retry.InitialInterval, "retry.initial_interval");
        CheckInterval(retry.MaxInterval, "retry.max_interval");
        if (retry.Backoff is { } backoff && !(backoff >= TaskRetryLimits.MinBackoff && backoff <= TaskRetryLimits.MaxBackoff))
        {
            throw new InvalidTaskRequestException("retry.backoff", "'retry.backoff' multiplies each wait by 1 (constant) to 10.");
        }

        var resolved = (defaults ?? new RetryOptions()).Resolve(retry);
        if (resolved.InitialInterval > resolved.MaxInterval)
        {
            throw (retry.InitialInterval, retry.MaxInterval) switch
            {
                (not null, not null) => new InvalidTaskRequestException("retry.max_interval", "'retry.max_interval' may not be shorter than 'retry.initial_interval'."),
                (not null, null) => new InvalidTaskRequestException("retry.initial_interval",
                    $"'retry.initial_interval' may not be longer than 'retry.max_interval', whose default here is {Iso(resolved.MaxInterval)}; give both."),
                _ => new InvalidTaskRequestException("retry.max_interval",
                    $"'retry.max_interval' may not be shorter than 'retry.initial_interval', whose default here is {Iso(resolved.InitialInterval)}; give both."),
            };
        }
    }

    private static string Iso(TimeSpan? duration) => System.Xml.XmlConvert.ToString(duration!.Value);

    private static void CheckInterval(TimeSpan? interval, string field)
    {
        if (interval is { } value && (value < TaskRetryLimits.MinInterval || value > TaskRetryLimits.MaxInterval))
        {
            throw new InvalidTaskRequestException(field, $"'{field}' is a duration from 1 millisecond (PT0.001S) to 1 day (P1D).");
        }
    }

    private static void ValidateDocuments(IReadOnlyList<IndexDocument> documents, TasksOptions limits)
    {
        if (documents.Count > limits.MaxDocuments)
        {
            throw new InvalidTaskRequestException("documents",
                $"A task holds at most {limits.MaxDocuments} documents; this one has {documents.Count}.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < documents.Count; i++)
        {
            var document = documents[i];
            var field = $"documents[{i}]";
            if (document is null)
            {
                throw new InvalidTaskRequestException(field, "A document may not be null.");
            }

            ValidateDocumentId(document.Id, field + ".id");
            if (!ids.Add(document.Id))
            {
                throw new InvalidTaskRequestException(field + ".id", $"The document id '{document.Id}' appears more than once.");
            }

            if (document.Title is { Length: > MaxTitleLength })
            {
                throw new InvalidTaskRequestException(field + ".title", $"A title is at most {MaxTitleLength} characters.");
            }

            if (document.Content is null)
            {
                throw new InvalidTaskRequestException(field + ".content", "Every document needs a 'content' string (it may be empty).");
            }

            if (Encoding.UTF8.GetByteCount(document.Content) > limits.MaxDocumentBytes)
            {
                throw new InvalidTaskRequestException(field + ".content",
                    $"A document's content is at most {limits.MaxDocumentBytes} bytes of UTF-8.");
            }
        }
    }

    /// <summary>Whether <paramref name="id"/> passes <see cref="ValidateDocumentId"/>: only such ids are ever in the index.</summary>
    public static bool IsValidDocumentId(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= MaxDocumentIdLength && !id.Any(char.IsControl);

    public static void ValidateDocumentId(string? id, string field)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new InvalidTaskRequestException(field, "Every document needs a non-empty 'id'.");
        }

        if (id.Length > MaxDocumentIdLength)
        {
            throw new InvalidTaskRequestException(field, $"A document id is at most {MaxDocumentIdLength} characters.");
        }

        if (id.Any(char.IsControl))
        {
            throw new InvalidTaskRequestException(field, "A document id may not contain control characters.");
        }
    }
}
