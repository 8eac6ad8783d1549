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
/// the reader was last reopened are remembered until the next <see cref="Refresh"/>, which the index calls at most a
/// second apart, so what is remembered is bounded by a second's writes. Callers hold the index's write lock.
/// </summary>
internal sealed class LuceneDocumentEntries(IndexWriter writer, string keyField) : IDisposable
{
    // Doc values of the entry, read without decompressing the stored document; segments from a build without them
    // fall back to the stored fields of the same names.
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

        // In key order, each segment's terms are sought forward.
        unknown.Sort(StringComparer.Ordinal);
        foreach (var leaf in _reader.Leaves)
        {
            var segment = leaf.AtomicReader;
            if (segment.GetTerms(keyField)?.GetEnumerator() is not { } terms)
            {
                continue;
            }

            DocsEnum? docs = null;
            foreach (var key in unknown)
            {
                if (!terms.SeekExact(new BytesRef(key)))
                {
                    continue;
                }

                docs = terms.Docs(segment.LiveDocs, docs, DocsFlags.NONE);
                var doc = docs.NextDoc();
                if (doc != DocIdSetIterator.NO_MORE_DOCS)
                {
                    found[key] = Read(segment, doc);
                }
            }
        }

        return found;
    }

    /// <summary>Remembers an entry just written, until the reader sees it.</summary>
    public void Remember(string key, LuceneDocumentEntry entry) => _recent[key] = entry;

    /// <summary>Forgets a document just deleted.</summary>
    public void Forget(string key) => _recent.Remove(key);

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

            var writes = segment.GetNumericDocValues(WritesValues);
            DocsEnum? docs = null;
            while (terms.MoveNext())
            {
                docs = terms.Docs(segment.LiveDocs, docs, DocsFlags.NONE);
                var doc = docs.NextDoc();
                if (doc != DocIdSetIterator.NO_MORE_DOCS)
                {
                    yield return (terms.Term.Utf8ToString(), writes is null ? StoredWrites(segment, doc) : (int)writes.Get(doc));
                }
            }
        }
    }

    public void Dispose() => _reader.Dispose();

    private static LuceneDocumentEntry Read(AtomicReader segment, int doc)
    {
        var hashes = segment.GetBinaryDocValues(HashValues);
        var tasks = segment.GetBinaryDocValues(TaskValues);
        var writes = segment.GetNumericDocValues(WritesValues);
        if (hashes is null || tasks is null || writes is null)
        {
            var stored = segment.Document(doc);
            return new(stored.Get(HashField, System.Globalization.CultureInfo.InvariantCulture),
                Guid.Parse(stored.Get(TaskField, System.Globalization.CultureInfo.InvariantCulture)), stored.GetField(WritesField)?.GetInt32Value() ?? 1);
        }

        var hash = new BytesRef();
        hashes.Get(doc, hash);
        var task = new BytesRef();
        tasks.Get(doc, task);
        return new(hash.Utf8ToString(), new Guid(task.Bytes.AsSpan(task.Offset, task.Length)), (int)writes.Get(doc));
    }

    private static int StoredWrites(AtomicReader segment, int doc) =>
        segment.Document(doc).GetField(WritesField)?.GetInt32Value() ?? 1;
}
