using System.Collections.Concurrent;
using System.Collections.Immutable;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Highlight;
using Lucene.Net.Store;
using Lucene.Net.Util;
using OrleansTasks.Search;

namespace OrleansTasks.Indexing;

/// <summary>
/// The document index of embedded mode: a Lucene index held in memory, with BM25 ranking and
/// highlighted snippets. Nothing survives a restart. Queries match one text made of the title
/// followed by the content, as PostgreSQL's tsvector does, so a phrase may run from one into the
/// other; a title holding every term ranks higher.
/// </summary>
public sealed class LuceneDocumentIndex : IDocumentIndex, IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string KeyField = "key";
    private const string CollectionField = "collection";
    private const string IdField = "id";
    private const string TitleField = "title";
    private const string ContentField = "content";
    private const string WholeTextField = "text";
    private const int SnippetLength = 160;

    private readonly RAMDirectory _directory = new();
    private readonly EnglishTextAnalyzer _analyzer = new(Version);
    private readonly LuceneQueryBuilder _queries;
    private readonly IndexWriter _writer;
    private readonly SearcherManager _searchers;
    private readonly ConcurrentDictionary<string, (string Hash, Guid TaskId)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _writesByCollection = new(StringComparer.Ordinal);
    private readonly System.Threading.Lock _writeLock = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, bool>> _seen = new();
    private readonly ConcurrentDictionary<Guid, long> _deleted = new();

    public LuceneDocumentIndex()
    {
        _queries = new LuceneQueryBuilder(_analyzer);
        var config = new IndexWriterConfig(Version, _analyzer)
        {
            OpenMode = OpenMode.CREATE,
            Similarity = new Lucene.Net.Search.Similarities.BM25Similarity(),
        };
        _writer = new IndexWriter(_directory, config);
        _searchers = new SearcherManager(_writer, applyAllDeletes: true, searcherFactory: new Bm25SearcherFactory());
    }

    public Task<long> CountWritesAsync(string collection, CancellationToken cancellationToken) =>
        Task.FromResult(_writesByCollection.GetValueOrDefault(collection));

    public Task<IReadOnlyList<IndexWrite>> UpsertAsync(
        string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken cancellationToken)
    {
        var writes = new IndexWrite[documents.Count];
        lock (_writeLock)
        {
            for (var i = 0; i < documents.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var document = documents[i];
                var key = Key(collection, document.Id);
                if (_entries.TryGetValue(key, out var existing) && existing.Hash == document.ContentHash)
                {
                    writes[i] = existing.TaskId == taskId ? IndexWrite.AlreadyWrittenByThisTask : IndexWrite.Unchanged;
                    continue;
                }

                _writer.UpdateDocument(new Term(KeyField, key), ToLucene(key, collection, document));
                _entries[key] = (document.ContentHash, taskId);
                _writesByCollection.AddOrUpdate(collection, 1, (_, count) => count + 1);
                writes[i] = IndexWrite.Written;
            }
        }

        return Task.FromResult<IReadOnlyList<IndexWrite>>(writes);
    }

    public Task<ImmutableArray<SearchHit>> SearchAsync(string collection, SearchQuery query, int limit, CancellationToken cancellationToken)
    {
        if (_queries.Build(query, WholeTextField) is not { } textQuery)
        {
            return Task.FromResult(ImmutableArray<SearchHit>.Empty);
        }

        var filtered = new BooleanQuery
        {
            { new TermQuery(new Term(CollectionField, collection)), Occur.MUST },
            { textQuery, Occur.MUST },
            { _queries.Build(query, TitleField)!, Occur.SHOULD },
        };

        _searchers.MaybeRefreshBlocking();
        var searcher = _searchers.Acquire();
        try
        {
            var top = searcher.Search(filtered, limit);
            var scorer = new QueryScorer(_queries.Build(query, ContentField), ContentField);
            var highlighter = new Highlighter(new SimpleHTMLFormatter("<mark>", "</mark>"), new SimpleHTMLEncoder(), scorer)
            {
                TextFragmenter = new SimpleSpanFragmenter(scorer, SnippetLength),
            };
            var hits = ImmutableArray.CreateBuilder<SearchHit>(top.ScoreDocs.Length);
            foreach (var scoreDoc in top.ScoreDocs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var document = searcher.Doc(scoreDoc.Doc);
                var content = document.Get(ContentField, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                var snippet = highlighter.GetBestFragment(_analyzer, ContentField, content)
                    ?? System.Net.WebUtility.HtmlEncode(content.Length <= SnippetLength ? content : content[..SnippetLength]);
                var title = document.Get(TitleField, System.Globalization.CultureInfo.InvariantCulture);
                hits.Add(new SearchHit(document.Get(IdField, System.Globalization.CultureInfo.InvariantCulture), string.IsNullOrEmpty(title) ? null : title, scoreDoc.Score, snippet));
            }

            return Task.FromResult(hits.ToImmutable());
        }
        finally
        {
            _searchers.Release(searcher);
        }
    }

    public Task RecordSeenAsync(Guid taskId, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var seen = _seen.GetOrAdd(taskId, _ => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));
        foreach (var id in ids)
        {
            seen.TryAdd(id, true);
        }

        return Task.CompletedTask;
    }

    public Task<long> DeleteUnseenAsync(string collection, Guid taskId, CancellationToken cancellationToken)
    {
        lock (_writeLock)
        {
            if (_deleted.TryGetValue(taskId, out var done))
            {
                return Task.FromResult(done);
            }

            var seen = _seen.GetValueOrDefault(taskId);
            var prefix = Key(collection, "");
            long deleted = 0;
            foreach (var key in _entries.Keys.Where(key => key.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                if (seen?.ContainsKey(key[prefix.Length..]) == true)
                {
                    continue;
                }

                _writer.DeleteDocuments(new Term(KeyField, key));
                _entries.TryRemove(key, out _);
                deleted++;
            }

            _deleted[taskId] = deleted;
            return Task.FromResult(deleted);
        }
    }

    public Task ForgetSeenAsync(Guid taskId, CancellationToken cancellationToken)
    {
        _seen.TryRemove(taskId, out _);
        _deleted.TryRemove(taskId, out _);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _searchers.Dispose();
        _writer.Dispose();
        _analyzer.Dispose();
        _directory.Dispose();
    }

    private static string Key(string collection, string id) => collection + "\u001f" + id;

    private static Document ToLucene(string key, string collection, HashedDocument document) =>
    [
        new StringField(KeyField, key, Field.Store.NO),
        new StringField(CollectionField, collection, Field.Store.NO),
        new StringField(IdField, document.Id, Field.Store.YES),
        new TextField(TitleField, document.Title ?? "", Field.Store.YES),
        new StoredField(ContentField, document.Content),
        new TextField(WholeTextField, document.Title ?? "", Field.Store.NO),
        new TextField(WholeTextField, document.Content, Field.Store.NO),
    ];

    private sealed class Bm25SearcherFactory : SearcherFactory
    {
        public override IndexSearcher NewSearcher(IndexReader reader) =>
            new(reader) { Similarity = new Lucene.Net.Search.Similarities.BM25Similarity() };
    }
}
