using OrleansTasks.Indexing;

namespace OrleansTasks.Grains.Tests;

public sealed class IncrementalIndexerTests
{
    [Fact]
    public async Task A_document_the_same_task_already_wrote_counts_as_indexed_and_is_not_written_again()
    {
        using var index = new LuceneDocumentIndex();
        var indexer = new IncrementalIndexer(index);
        var taskId = Guid.NewGuid();
        var documents = Documents.Generate(10);

        await indexer.IndexAsync(taskId, "docs", documents, CancellationToken.None);
        var redone = await indexer.IndexAsync(taskId, "docs", documents, CancellationToken.None);
        var byAnotherTask = await indexer.IndexAsync(Guid.NewGuid(), "docs", documents, CancellationToken.None);

        Assert.All(redone, r => Assert.Equal(DocumentOutcome.Indexed, r.Outcome));
        Assert.All(byAnotherTask, r => Assert.Equal(DocumentOutcome.Unchanged, r.Outcome));
        Assert.Equal(10, await index.CountWritesAsync("docs", CancellationToken.None));
    }

    [Fact]
    public async Task Empty_and_binary_documents_fail_with_a_reason_while_the_rest_are_indexed()
    {
        using var index = new LuceneDocumentIndex();
        var indexer = new IncrementalIndexer(index);
        IndexDocument[] documents = [new("a", null, "text"), new("b", null, ""), new("c", null, "\0bin"), new("d", null, "more text")];

        var results = await indexer.IndexAsync(Guid.NewGuid(), "docs", documents, CancellationToken.None);

        Assert.Equal([DocumentOutcome.Indexed, DocumentOutcome.Failed, DocumentOutcome.Failed, DocumentOutcome.Indexed], results.Select(r => r.Outcome));
        Assert.All(results.Where(r => r.Outcome == DocumentOutcome.Failed), r => Assert.False(string.IsNullOrWhiteSpace(r.Error)));
        Assert.Equal(["a", "b", "c", "d"], results.Select(r => r.Id));
    }
}
