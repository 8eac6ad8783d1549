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
/// The document index of embedded mode: a Lucene index with BM25 ranking and highlighted snippets,
/// held in memory (nothing survives a restart) or in a directory (<see cref="Open(string?)"/>: committed by
/// the first write a second or more after the last commit and when the index is disposed, and read back at the
/// next start, with each document's content hash, so that re-running a corpus after a restart skips what is
/// unchanged). Each document's hash is looked up in the index itself (<see cref="LuceneDocumentEntries"/>):
/// in a directory, the process's memory does not grow with the documents indexed, except for the ids a
/// <c>delete_missing</c> pass has seen. A <c>delete_missing</c> removal is
/// committed at once on disk, so that a restart cannot bring removed documents back; what a pass saw
/// and its removal's count are kept in memory, as the tasks of embedded mode are. Queries match one text made of the title
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

    private static readonly TimeSpan DefaultCommitInterval = TimeSpan.FromSeconds(1);
    private readonly TimeSpan _commitInterval;
    private readonly int _processors;

    private readonly Lucene.Net.Store.Directory _directory;
    private readonly bool _onDisk;
    private long _lastCommit = System.Diagnostics.Stopwatch.GetTimestamp();
    private readonly EnglishTextAnalyzer _analyzer = new(Version);
    private readonly LuceneQueryBuilder _queries;
    private readonly IndexWriter _writer;
    private readonly SearcherManager _searchers;
    private readonly LuceneDocumentEntries _entries;
    private readonly ConcurrentDictionary<string, long> _writesByCollection = new(StringComparer.Ordinal);
    // Slices are written one at a time (each in lanes at once, LuceneLanes); a task waiting for another's slice waits without holding a thread.
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly ConcurrentDictionary<Guid, SeenIds> _seen = new();
    private readonly ConcurrentDictionary<Guid, UnseenRemoval> _removals = new();

    /// <summary>An index in memory.</summary>
    public LuceneDocumentIndex()
        : this(new RAMDirectory(), onDisk: false, DefaultCommitInterval, Environment.ProcessorCount)
    {
    }

    private LuceneDocumentIndex(Lucene.Net.Store.Directory directory, bool onDisk, TimeSpan commitInterval, int processors)
    {
        _processors = processors;
        _directory = directory;
        _onDisk = onDisk;
        _commitInterval = commitInterval;
        _queries = new LuceneQueryBuilder(_analyzer);
        var config = new IndexWriterConfig(Version, _analyzer)
        {
            OpenMode = onDisk ? OpenMode.CREATE_OR_APPEND : OpenMode.CREATE,
            Similarity = new Lucene.Net.Search.Similarities.BM25Similarity(),
        };
        _writer = new IndexWriter(_directory, config);
        _searchers = new SearcherManager(_writer, applyAllDeletes: true, searcherFactory: new Bm25SearcherFactory());
        _entries = new LuceneDocumentEntries(_writer, KeyField);
        if (onDisk)
        {
            LoadWrites();
        }
    }

    /// <summary>The index kept in <paramref name="path"/> (created if need be); in memory when <paramref name="path"/> is empty.</summary>
    public static LuceneDocumentIndex Open(string? path) => Open(path, DefaultCommitInterval);

    /// <summary>
    /// As <see cref="Open(string?)"/>, committing (on disk) and reopening its lookups every <paramref name="commitInterval"/>,
    /// and writing each slice in as many <see cref="LuceneLanes"/> as <paramref name="processors"/> allow (the process's by default).
    /// </summary>
    internal static LuceneDocumentIndex Open(string? path, TimeSpan commitInterval, int? processors = null)
    {
        var cores = processors ?? Environment.ProcessorCount;
        if (string.IsNullOrWhiteSpace(path))
        {
            return new LuceneDocumentIndex(new RAMDirectory(), onDisk: false, commitInterval, cores);
        }

        System.IO.Directory.CreateDirectory(path);
        return new LuceneDocumentIndex(FSDirectory.Open(path), onDisk: true, commitInterval, cores);
    }

    /// <summary>Entries of documents held in memory until the index's lookups see them (see <see cref="LuceneDocumentEntries"/>).</summary>
    internal int RememberedEntries
    {
        get
        {
            _write.Wait();
            try
            {
                return _entries.Remembered;
            }
            finally
            {
                _write.Release();
            }
        }
    }

    public Task<long> CountWritesAsync(string collection, CancellationToken cancellationToken) =>
        Task.FromResult(_writesByCollection.GetValueOrDefault(collection));

    public async Task<IReadOnlyList<IndexWrite>> UpsertAsync(
        string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken cancellationToken)
    {
        var writes = new IndexWrite[documents.Count];
        await _write.WaitAsync(cancellationToken);
        try
        {
            var entries = _entries.Find(documents.Select(document => Key(collection, document.Id)));
            var pending = new List<PendingWrite>();
            for (var i = 0; i < documents.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var document = documents[i];
                var key = Key(collection, document.Id);
                var found = entries.TryGetValue(key, out var existing);
                if (found && existing.Hash == document.ContentHash)
                {
                    writes[i] = existing.TaskId == taskId ? IndexWrite.AlreadyWrittenByThisTask : IndexWrite.Unchanged;
                    continue;
                }

                var entry = new LuceneDocumentEntry(document.ContentHash, taskId, (found ? existing.Writes : 0) + 1);
                pending.Add(new PendingWrite(key, entry, ToLucene(key, collection, document, entry)));
                entries[key] = entry;
                writes[i] = IndexWrite.Written;
            }

            WriteInLanes(collection, pending, cancellationToken);
            CommitIfDue();
        }
        finally
        {
            _write.Release();
        }

        return writes;
    }

    /// <summary>
    /// Writes <paramref name="pending"/> in <see cref="LuceneLanes"/>, and remembers the entries of those written, even when
    /// a write failed: a retried slice then finds them written by its task and counts them once. The caller holds the write semaphore.
    /// </summary>
    private void WriteInLanes(string collection, List<PendingWrite> pending, CancellationToken cancellationToken)
    {
        var lanes = LuceneLanes.Split(pending.ConvertAll(write => write.Key), _processors);
        var written = new bool[pending.Count];
        try
        {
            Parallel.For(0, lanes.Length, new ParallelOptions { MaxDegreeOfParallelism = lanes.Length }, lane =>
            {
                foreach (var i in lanes[lane])
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    _writer.UpdateDocument(new Term(KeyField, pending[i].Key), pending[i].Document);
                    written[i] = true;
                }
            });
        }
        catch (AggregateException failed)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed.InnerExceptions[0]);
        }
        finally
        {
            var count = 0;
            for (var i = 0; i < pending.Count; i++)
            {
                if (written[i])
                {
                    _entries.Remember(pending[i].Key, pending[i].Entry);
                    count++;
                }
            }

            if (count > 0)
            {
                _writesByCollection.AddOrUpdate(collection, count, (_, before) => before + count);
            }
        }
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

    public async Task RecordSeenAsync(Guid taskId, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await _write.WaitAsync(cancellationToken);
        try
        {
            _seen.GetOrAdd(taskId, _ => new SeenIds()).AddRange(ids);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>Goes through the whole collection in one step: an index in this process has no statement limit.</summary>
    public async Task<UnseenRemoval> DeleteUnseenAsync(string collection, Guid taskId, int batchSize, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken);
        try
        {
            if (_removals.TryGetValue(taskId, out var done))
            {
                return done;
            }

            if (!_seen.TryGetValue(taskId, out var seen))
            {
                // Nothing recorded, or forgotten: never a reason to empty the collection.
                return new UnseenRemoval(0, Done: true);
            }

            var prefix = Key(collection, "");
            long deleted = 0;
            _entries.Refresh();
            foreach (var key in _entries.KeysStartingWith(prefix).Where(key => !seen.Contains(key[prefix.Length..])).ToList())
            {
                _writer.DeleteDocuments(new Term(KeyField, key));
                deleted++;
            }

            if (deleted > 0)
            {
                // Not at the next write's commit: a restart before it would bring the documents back.
                Commit();
            }

            var removal = new UnseenRemoval(deleted, Done: true);
            _removals[taskId] = removal;
            return removal;
        }
        finally
        {
            _write.Release();
        }
    }

    public async Task ForgetSeenAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken);
        try
        {
            _seen.TryRemove(taskId, out _);
            _removals.TryRemove(taskId, out _);
        }
        finally
        {
            _write.Release();
        }
    }

    public void Dispose()
    {
        _entries.Dispose();
        _write.Dispose();
        _searchers.Dispose();
        _writer.Dispose();
        _analyzer.Dispose();
        _directory.Dispose();
    }

    private static string Key(string collection, string id) => collection + "\u001f" + id;

    /// <summary>Commits (on disk) and reopens the lookups when the last did so a second ago; the caller holds the write semaphore.</summary>
    private void CommitIfDue()
    {
        if (System.Diagnostics.Stopwatch.GetElapsedTime(_lastCommit) >= _commitInterval)
        {
            Commit();
        }
    }

    private void Commit()
    {
        if (_onDisk)
        {
            _writer.Commit();
        }

        _entries.Refresh();
        _lastCommit = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>Reads back the writes of each collection an index on disk holds.</summary>
    private void LoadWrites()
    {
        foreach (var (key, writes) in _entries.All())
        {
            _writesByCollection.AddOrUpdate(key[..key.IndexOf('\u001f', StringComparison.Ordinal)], writes, (_, count) => count + writes);
        }
    }

    private static Document ToLucene(string key, string collection, HashedDocument document, LuceneDocumentEntry entry)
    {
        var fields = new Document
        {
            new StringField(KeyField, key, Field.Store.YES),
            new StringField(CollectionField, collection, Field.Store.NO),
            new StringField(IdField, document.Id, Field.Store.YES),
            new TextField(TitleField, document.Title ?? "", Field.Store.YES),
            new StoredField(ContentField, document.Content),
            new TextField(WholeTextField, document.Title ?? "", Field.Store.NO),
            new TextField(WholeTextField, document.Content, Field.Store.NO),
        };
        foreach (var field in LuceneDocumentEntries.Fields(entry))
        {
            fields.Add(field);
        }

        return fields;
    }

    private sealed record PendingWrite(string Key, LuceneDocumentEntry Entry, Document Document);

    private sealed class Bm25SearcherFactory : SearcherFactory
    {
        public override IndexSearcher NewSearcher(IndexReader reader) =>
            new(reader) { Similarity = new Lucene.Net.Search.Similarities.BM25Similarity() };
    }
}
