namespace OrleansTasks.Indexing;

/// <summary>
/// Turns a slice of documents into per-document outcomes: a document whose content is already in
/// the index is <c>unchanged</c>, one written now (or earlier by this same task) is <c>indexed</c>,
/// and one that cannot be indexed is <c>failed</c> with a reason while the rest go on.
/// Exceptions from the index stop the slice: they are faults of the whole run. An index may have written
/// part of such a slice (cluster mode writes a large slice as parts at once); tried again, the slice finds
/// those documents written by its task and reports them indexed once.
/// </summary>
public sealed class IncrementalIndexer(IDocumentIndex index)
{
    /// <summary>The index written to, for what is not a slice's upsert (a <c>delete_missing</c> pass's record and removal).</summary>
    public IDocumentIndex Index => index;

    public async Task<IReadOnlyList<DocumentResult>> IndexAsync(
        Guid taskId, string collection, IReadOnlyList<IndexDocument> documents, CancellationToken cancellationToken)
    {
        using var activity = Diagnostics.TaskTelemetry.ActivitySource.StartActivity("index slice");
        activity?.SetTag("orleans_tasks.task_id", taskId);
        activity?.SetTag("orleans_tasks.collection", collection);
        activity?.SetTag("orleans_tasks.documents", documents.Count);
        var results = new DocumentResult[documents.Count];
        var accepted = new List<HashedDocument>(documents.Count);
        var positions = new List<int>(documents.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            var document = documents[i];
            var problem = FindProblem(document);
            if (problem is not null)
            {
                results[i] = new DocumentResult(document.Id, DocumentOutcome.Failed, problem);
                continue;
            }

            accepted.Add(new HashedDocument(document.Id, document.Title, document.Content, ContentHash.Sha256Hex(document.Content)));
            positions.Add(i);
        }

        if (accepted.Count > 0)
        {
            var writes = await index.UpsertAsync(collection, taskId, accepted, cancellationToken);
            for (var j = 0; j < writes.Count; j++)
            {
                var outcome = writes[j] == IndexWrite.Unchanged ? DocumentOutcome.Unchanged : DocumentOutcome.Indexed;
                results[positions[j]] = new DocumentResult(accepted[j].Id, outcome);
            }
        }

        return results;
    }

    private static string? FindProblem(IndexDocument document)
    {
        if (string.IsNullOrWhiteSpace(document.Content))
        {
            return "The document has no content to index.";
        }

        if (document.Content.Contains('\0', StringComparison.Ordinal))
        {
            return "The content contains NUL characters; binary files cannot be indexed.";
        }

        return null;
    }
}
