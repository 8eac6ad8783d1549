using System.Globalization;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Util;

namespace OrleansTasks.Indexing;

/// <summary>One document's entry in the Lucene index: its content hash, the task that last wrote it, and how often it was written.</summary>
internal readonly record struct LuceneDocumentEntry(string Hash, Guid TaskId, int Writes);

/// <summary>
/// Finds the entries of documents already in a Lucene index, so that an unchanged document is skipped, without holding
/// every document's entry in memory: a corpus of millions would hold hundreds of bytes each for as long as the process
/// runs. Entries are read from the index itself (a key's term in each segment, then its doc values); those written since
/// the reader was last reopened are remembered until the next <see cref="Refresh"/>, which the index calls with the first
/// write a second or more after the last, so what is remembered is bounded by about a second's writes and one slice.
/// Callers hold the index's write semaphore.
/// </summary>
internal sealed class LuceneDocumentEntries(IndexWriter writer, string keyField) : IDisposable
{
    // Doc values of the entry, read without decompressing the stored document. A document written by a build without
    // them (in a segment of its own, or merged into one with newer documents, where it has none) is read from the
    // stored fields, which every document keeps so that such a build can still read the index.
    public const string HashField = "hash";
    public const string TaskField = "task";
    public const string WritesField = "writes";
    private const string HashValues = "hash.values";
    private const string TaskValues = "task.values";
    private const string WritesValues = "writes.values";

    private readonly Dictionary<string, LuceneDocumentEntry> _recent = new(StringComparer.Ordinal);
    private DirectoryReader _reader = DirectoryReader.Open(writer, applyAllDeletes: true);

    /// <summary>Entries written since the reader was last reopened: the only ones held in memory.</summary>
    public int Remembered => _recent.Count;

    /// <summary>The fields that carry <paramref name="entry"/> in a document of the index.</summary>
    public static IEnumerable<Field> Fields(LuceneDocumentEntry entry)
    {
        yield return new StoredField(HashField, entry.Hash);
        yield return new StoredField(TaskField, entry.TaskId.ToString());
        yield return new StoredField(WritesField, entry.Writes);
        yield return new BinaryDocValuesField(HashValues, new BytesRef(entry.Hash));
        yield return new BinaryDocValuesField(TaskValues, new BytesRef(entry.TaskId.ToByteArray()));
        yield return new NumericDocValuesField(WritesValues, entry.Writes);
    }

    /// <summary>The entries of those of <paramref name="keys"/> the index holds.</summary>
    public Dictionary<string, LuceneDocumentEntry> Find(IEnumerable<string> keys)
    {
        var found = new Dictionary<string, LuceneDocumentEntry>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var key in keys)
        {
            if (_recent.TryGetValue(key, out var entry))
            {
                found[key] = entry;
            }
            else
            {
                unknown.Add(key);
            }
        }

        // In key order, each segment's terms are sought forward. A key has one live document in the whole index: once found,
        // it is not sought in other segments; the largest first, where a re-run finds most.
        unknown.Sort(StringComparer.Ordinal);
        var sought = unknown.Select(key => (Key: key, Term: new BytesRef(key))).ToList();
        foreach (var leaf in _reader.Leaves.OrderByDescending(leaf => leaf.AtomicReader.MaxDoc))
        {
            if (sought.Count == 0)
            {
                break;
            }

            var segment = leaf.AtomicReader;
            if (segment.GetTerms(keyField)?.GetEnumerator() is not { } terms)
            {
                continue;
            }

            var values = new SegmentValues(segment);
            DocsEnum? docs = null;
            sought.RemoveAll(key =>
            {
                if (!terms.SeekExact(key.Term))
                {
                    return false;
                }

                docs = terms.Docs(segment.LiveDocs, docs, DocsFlags.NONE);
                var doc = docs.NextDoc();
                if (doc == DocIdSetIterator.NO_MORE_DOCS)
                {
                    return false;
                }

                found[key.Key] = values.Read(doc);
                return true;
            });
        }

        return found;
    }

    /// <summary>Remembers an entry just written, until the reader sees it.</summary>
    public void Remember(string key, LuceneDocumentEntry entry) => _recent[key] = entry;

    /// <summary>Reopens the reader on what has been written, and forgets what it now finds.</summary>
    public void Refresh()
    {
        if (DirectoryReader.OpenIfChanged(_reader, writer, applyAllDeletes: true) is { } newer)
        {
            _reader.Dispose();
            _reader = newer;
        }

        _recent.Clear();
    }

    /// <summary>The keys starting with <paramref name="prefix"/> of the documents the index holds; <see cref="Refresh"/> first.</summary>
    public IEnumerable<string> KeysStartingWith(string prefix)
    {
        var start = new BytesRef(prefix);
        foreach (var leaf in _reader.Leaves)
        {
            var segment = leaf.AtomicReader;
            if (segment.GetTerms(keyField)?.GetEnumerator() is not { } terms || terms.SeekCeil(start) == TermsEnum.SeekStatus.END)
            {
                continue;
            }

            DocsEnum? docs = null;
            do
            {
                if (!StringHelper.StartsWith(terms.Term, start))
                {
                    break;
                }

                docs = terms.Docs(segment.LiveDocs, docs, DocsFlags.NONE);
                if (docs.NextDoc() != DocIdSetIterator.NO_MORE_DOCS)
                {
                    yield return terms.Term.Utf8ToString();
                }
            }
            while (terms.MoveNext());
        }
    }

    /// <summary>Every document's key and writes, as the index holds them; read once, at start.</summary>
    public IEnumerable<(string Key, int Writes)> All()
    {
        foreach (var leaf in _reader.Leaves)
        {
            var segment = leaf.AtomicReader;
            if (segment.GetTerms(keyField)?.GetEnumerator() is not { } terms)
            {
                continue;
            }

            var values = new SegmentValues(segment);
            DocsEnum? docs = null;
            while (terms.MoveNext())
            {
                docs = terms.Docs(segment.LiveDocs, docs, DocsFlags.NONE);
                var doc = docs.NextDoc();
                if (doc != DocIdSetIterator.NO_MORE_DOCS)
                {
                    yield return (terms.Term.Utf8ToString(), values.Writes(doc));
                }
            }
        }
    }

    public void Dispose() => _reader.Dispose();

    /// <summary>One segment's entries: from its doc values where a document has them, else from its stored fields.</summary>
    private sealed class SegmentValues(AtomicReader segment)
    {
        private static readonly HashSet<string> StoredEntry = [HashField, TaskField, WritesField];
        private readonly BinaryDocValues? _hashes = segment.GetBinaryDocValues(HashValues);
        private readonly BinaryDocValues? _tasks = segment.GetBinaryDocValues(TaskValues);
        private readonly NumericDocValues? _writes = segment.GetNumericDocValues(WritesValues);
        private readonly IBits? _withValues = segment.GetDocsWithField(TaskValues);
        private readonly BytesRef _hash = new();
        private readonly BytesRef _task = new();

        public LuceneDocumentEntry Read(int doc)
        {
            if (!HasValues(doc))
            {
                var stored = segment.Document(doc, StoredEntry);
                return new(stored.Get(HashField, CultureInfo.InvariantCulture), Guid.Parse(stored.Get(TaskField, CultureInfo.InvariantCulture)),
                    stored.GetField(WritesField)?.GetInt32Value() ?? 1);
            }

            _hashes!.Get(doc, _hash);
            _tasks!.Get(doc, _task);
            return new(_hash.Utf8ToString(), new Guid(_task.Bytes.AsSpan(_task.Offset, _task.Length)), (int)_writes!.Get(doc));
        }

        public int Writes(int doc) =>
            HasValues(doc) ? (int)_writes!.Get(doc) : segment.Document(doc, StoredEntry).GetField(WritesField)?.GetInt32Value() ?? 1;

        // The three are written together: a document with the task's value has the others.
        private bool HasValues(int doc) => _hashes is not null && _tasks is not null && _writes is not null && _withValues is not null && _withValues.Get(doc);
    }
}
