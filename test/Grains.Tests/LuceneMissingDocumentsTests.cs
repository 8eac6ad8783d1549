using OrleansTasks.Indexing;

namespace OrleansTasks.Grains.Tests;

/// <summary>The contract on embedded mode's Lucene index.</summary>
public sealed class LuceneMissingDocumentsTests : MissingDocumentsContract, IDisposable
{
    private readonly LuceneDocumentIndex _index = new();

    protected override IDocumentIndex Index => _index;

    public void Dispose() => _index.Dispose();
}
