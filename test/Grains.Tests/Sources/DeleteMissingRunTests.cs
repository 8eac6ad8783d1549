using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Indexing;
using OrleansTasks.Search;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;
using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// <c>delete_missing</c> in a streaming task's run, without a grain: a complete, error-free pass over a
/// directory removes, at its end, the documents of what the directory lost, keeping what it holds but
/// could not read; a pass cut short (a directory it could not list, a line whose id it could not know),
/// or one that read nothing, removes nothing and says why; a path too long to be an id fails alone.
/// </summary>
public sealed class DeleteMissingRunTests : IDisposable
{
    private const int MaxDocumentBytes = 200;
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly SourceScratch _files = new();
    private readonly MemoryGrainStorage _storage = new();
    private readonly LuceneDocumentIndex _index = new();

    public DeleteMissingRunTests()
    {
        for (var i = 0; i < 40; i++)
        {
            _files.Write($"corpus/file{i:D2}.md", $"shared words of file {i}");
        }

        for (var i = 0; i < 5; i++)
        {
            _files.Write($"corpus/sub/s{i}.md", $"shared words of sub file {i}");
        }

        WriteLines(Enumerable.Range(0, 5).Select(Line));
    }

    private TasksOptions Options => new() { SourceRoots = [_files.Root], SourceSliceBudget = TimeSpan.FromMilliseconds(1), MaxDocumentBytes = MaxDocumentBytes };

    [Fact]
    public async Task A_full_pass_removes_what_the_source_lost_and_keeps_what_it_holds_but_could_not_read()
    {
        await RunToEndAsync(Accept(deleteMissing: false));
        File.Delete(Corpus("file07.md"));
        WriteLines([Line(0), Line(1), Line(2), """{"id":"line3","content":5}"""]);
        _files.Write("corpus/file03.md", new string('x', MaxDocumentBytes + 1));
        _files.Write("corpus/file99.md", "shared words of a new file");

        var task = Accept(deleteMissing: true);
        await RunToEndAsync(task);

        var kept = await IdsAsync();
        Assert.Equal(2, task.Source!.Deleted);
        Assert.Null(task.Source.DeleteSkipped);
        Assert.DoesNotContain("file07.md", kept);
        Assert.DoesNotContain("line4", kept);
        Assert.Contains("file03.md", kept);
        Assert.Contains("line3", kept);
        Assert.Contains("file99.md", kept);
        Assert.Equal(49, kept.Count);
        Assert.Equal(2, task.Counts.Failed);
        var snapshot = TaskSnapshots.Of(Guid.NewGuid(), task);
        Assert.True(snapshot.DeleteMissing);
        Assert.Equal(2, snapshot.Deleted);
    }

    [Fact]
    public async Task A_pass_that_could_not_list_a_directory_removes_nothing_and_says_why()
    {
        await RunToEndAsync(Accept(deleteMissing: false));
        File.Delete(Corpus("file07.md"));

        var task = Accept(deleteMissing: true);
        using (var run = NewRun(Guid.NewGuid()))
        {
            await CountAsync(run, task);
            await IndexAsync(run, task, stopAt: 10);

            // The walk listed the corpus at its start; the subdirectory goes (a volume unmounted, say) before the walk reaches it.
            Directory.Delete(Corpus("sub"), recursive: true);
            await IndexAsync(run, task, stopAt: int.MaxValue);
            await RemoveToEndAsync(run, task);
        }

        Assert.Null(task.Source!.Deleted);
        Assert.True(task.Source.RemovalDone);
        Assert.Contains("the directory 'sub' could not be listed", task.Source.DeleteSkipped, StringComparison.Ordinal);
        Assert.Equal(50, (await IdsAsync()).Count);
        Assert.Contains("nothing removed: the source was not read whole", CompletedMessage(task), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pass_resumed_inside_a_directory_that_has_gone_removes_nothing()
    {
        // Walked first ("aaa" sorts before the rest), and more than the first slice's 16 documents.
        for (var i = 0; i < 20; i++)
        {
            _files.Write($"corpus/aaa/t{i:D2}.md", $"shared words of early file {i}");
        }

        await RunToEndAsync(Accept(deleteMissing: false));
        var task = Accept(deleteMissing: true);
        var taskId = Guid.NewGuid();
        using (var run = NewRun(taskId))
        {
            await CountAsync(run, task);
            await IndexAsync(run, task, stopAt: 1);
        }

        Assert.StartsWith("aaa/", task.Source!.Position!.Path, StringComparison.Ordinal);
        Directory.Delete(Corpus("aaa"), recursive: true);
        using (var resumed = NewRun(taskId))
        {
            await IndexAsync(resumed, task, stopAt: int.MaxValue);
            await RemoveToEndAsync(resumed, task);
        }

        Assert.Contains("which is no longer there", task.Source.DeleteSkipped, StringComparison.Ordinal);
        Assert.Equal(70, (await IdsAsync()).Count);
    }

    [Fact]
    public async Task A_line_whose_id_cannot_be_known_stops_the_removal_and_says_why()
    {
        await RunToEndAsync(Accept(deleteMissing: false));
        File.Delete(Corpus("file07.md"));
        WriteLines([Line(0), "{\"id\":\"line1\", not json", Line(2), Line(3), Line(4)]);

        var task = Accept(deleteMissing: true);
        await RunToEndAsync(task);

        Assert.Null(task.Source!.Deleted);
        Assert.Contains("line 2 of lines.jsonl could not be read far enough to know its document id", task.Source.DeleteSkipped, StringComparison.Ordinal);
        Assert.Contains("file07.md", await IdsAsync());
        Assert.Equal(1, task.Counts.Failed);
    }

    [Fact]
    public async Task A_source_that_held_nothing_empties_nothing()
    {
        await RunToEndAsync(Accept(deleteMissing: false));
        Directory.Delete(Corpus(""), recursive: true);
        Directory.CreateDirectory(Corpus(""));

        var task = Accept(deleteMissing: true);
        await RunToEndAsync(task);

        Assert.Equal(MissingDocuments.NothingReadReason, task.Source!.DeleteSkipped);
        Assert.Equal(50, (await IdsAsync()).Count);
    }

    [Fact]
    public async Task A_file_whose_path_is_longer_than_a_document_id_fails_alone_and_the_pass_still_removes()
    {
        await RunToEndAsync(Accept(deleteMissing: false));
        var deep = $"{new string('d', 200)}/{new string('e', 200)}/{new string('f', 120)}.md";
        _files.Write("corpus/" + deep, "shared words of a deep file");
        File.Delete(Corpus("file07.md"));

        var task = Accept(deleteMissing: true);
        var taskId = await RunToEndAsync(task);
        using var reader = NewRun(taskId);
        var results = await reader.Results.PageAsync(task, 0, 100, DocumentOutcome.Failed);

        var failed = Assert.Single(results.Items);
        Assert.Equal(deep, failed.Id);
        Assert.Contains("longer than 512 characters", failed.Error, StringComparison.Ordinal);
        Assert.Equal(1, task.Source!.Deleted);
        Assert.Equal(49, (await IdsAsync()).Count);
    }

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    [Theory]
    [InlineData("loop")]
    [InlineData("outside")]
    public async Task A_json_lines_file_that_could_not_be_read_through_its_links_removes_nothing(string link)
    {
        await RunToEndAsync(Accept(deleteMissing: false));
        var outside = Directory.CreateTempSubdirectory("orleans-tasks-outside-").FullName;
        try
        {
            File.Delete(Corpus("lines.jsonl"));
            if (link == "loop")
            {
                File.CreateSymbolicLink(Corpus("lines.jsonl"), Corpus("again.jsonl"));
                File.CreateSymbolicLink(Corpus("again.jsonl"), Corpus("lines.jsonl"));
            }
            else
            {
                File.WriteAllText(Path.Combine(outside, "lines.jsonl"), Line(0));
                File.CreateSymbolicLink(Corpus("lines.jsonl"), Path.Combine(outside, "lines.jsonl"));
            }

            var task = Accept(deleteMissing: true);
            await RunToEndAsync(task);

            Assert.Null(task.Source!.Deleted);
            // With the loop, again.jsonl comes first and is named: it loops too.
            Assert.Matches("the JSON-lines file '(lines|again).jsonl' was not read", task.Source.DeleteSkipped);
            Assert.Equal(50, (await IdsAsync()).Count);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    private static string Line(int i) => $$"""{"id":"line{{i}}","content":"shared words of line {{i}}"}""";

    private void WriteLines(IEnumerable<string> lines) => _files.Write("corpus/lines.jsonl", string.Join('\n', lines));

    private string Corpus(string relative) => Path.Combine(_files.Root, "corpus", relative);

    private TaskRun NewRun(Guid taskId) => new(taskId, new TaskChunkStores(_storage), new IncrementalIndexer(_index), Options, NullLogger.Instance);

    private IndexTaskState Accept(bool deleteMissing)
    {
        var task = TaskTransitions.Accept(
            new StartIndexTask("root", "docs", [], new DirectorySource(Corpus(""), "*")) { DeleteMissing = deleteMissing }, [], null, 0, [], Now);
        TaskTransitions.StartProcessing(task, Now);
        return task;
    }

    /// <summary>Runs <paramref name="task"/> through, its removal included; returns the id it ran under.</summary>
    private async Task<Guid> RunToEndAsync(IndexTaskState task)
    {
        var taskId = Guid.NewGuid();
        using var run = NewRun(taskId);
        await CountAsync(run, task);
        await IndexAsync(run, task, stopAt: int.MaxValue);
        await RemoveToEndAsync(run, task);
        return taskId;
    }

    private static async Task CountAsync(TaskRun run, IndexTaskState task)
    {
        while (!task.Source!.Counted)
        {
            Assert.Null(await run.Source.CountNextAsync(task, task.Source));
        }
    }

    private static async Task IndexAsync(TaskRun run, IndexTaskState task, int stopAt)
    {
        while (!task.AllRead && task.Current < stopAt)
        {
            Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));
        }
    }

    private static async Task RemoveToEndAsync(TaskRun run, IndexTaskState task)
    {
        Assert.True(task.AllRead);
        while (task.Source!.RemovalDue)
        {
            await run.Missing.RemoveNextAsync(task.Collection, task.Current, task.Source);
        }
    }

    private static string CompletedMessage(IndexTaskState task)
    {
        TaskTransitions.Complete(task, new TaskResultPreview([], false), Now);
        return task.Message;
    }

    private async Task<List<string>> IdsAsync() =>
        [.. (await _index.SearchAsync("docs", SearchQueryParser.Parse("shared"), 1000, CancellationToken.None)).Select(hit => hit.Id).Order(StringComparer.Ordinal)];
}
