using Lucene.Net.Analysis.Core;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Lucene.Net.Util;
using OrleansTasks.Indexing;

namespace OrleansTasks.Grains.Tests;

/// <summary>An embedded index as a build before doc values wrote it: each document's entry in stored fields only.</summary>
internal static class OlderBuild
{
    public static void Write(string directory, string collection, Guid taskId, IEnumerable<IndexDocument> documents)
    {
        using var writer = Open(directory);
        foreach (var document in documents)
        {
            var key = collection + "\u001f" + document.Id;
            writer.AddDocument(new Document
            {
                new StringField("key", key, Field.Store.YES),
                new StoredField("hash", ContentHash.Sha256Hex(document.Content)),
                new StoredField("task", taskId.ToString()),
                new StoredField("writes", 1),
                new StringField("collection", collection, Field.Store.NO),
                new StringField("id", document.Id, Field.Store.YES),
                new TextField("title", document.Title ?? "", Field.Store.YES),
                new StoredField("content", document.Content),
                new TextField("text", document.Content, Field.Store.NO),
            });
        }

        writer.Commit();
    }

    /// <summary>Merges every segment into one, as Lucene's merges do with segments of both builds in time.</summary>
    public static void MergeAll(string directory)
    {
        using var writer = Open(directory);
        writer.ForceMerge(1);
        writer.Commit();
    }

    private static IndexWriter Open(string directory) =>
        new(FSDirectory.Open(directory), new IndexWriterConfig(LuceneVersion.LUCENE_48, new WhitespaceAnalyzer(LuceneVersion.LUCENE_48)));
}
