using OrleansTasks.Tasks.Sources;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// A directory source's walk when a directory's listing fails. An I/O error that may pass, while the task may try again,
/// fails the read (or the count) naming the directory, so that it is retried from its position and sees the directory's
/// files; at the task's last attempt the walk gives the directory up and says so: one failed entry, with no document id, stands
/// for its files, and a read resumed after that entry goes on after the directory's whole subtree without listing it again. A
/// directory gone or closed to the server is left out at once, with no entry. The count counts what the reading reads.
/// </summary>
public sealed class SourceListingTests : IDisposable
{
    private readonly SourceScratch _files = new();
    private readonly FaultPlan _faults = new();

    public SourceListingTests()
    {
        _files.Write("a.md", "alpha");
        _files.Write("sub/deep/d.md", "delta");
        _files.Write("sub/s.md", "sigma");
        _files.Write("z.md", "zed");
    }

    private FaultySourceFiles Files => new(SourceFileReader.Instance, _faults);

    [Theory]
    [InlineData("zzz")]
    [InlineData("~tilde")]
    [InlineData("\u00e9t\u00e9.txt")]
    [InlineData("\u6587\u4ef6.md")]
    [InlineData("\ud83d\udcc4.txt")]
    [InlineData("\uffef")]
    public void A_position_after_a_directory_orders_after_every_name_in_it_so_a_walk_of_an_earlier_build_passes_it_too(string name)
    {
        // An earlier build's walk goes into the directory the position names and skips each entry that orders
        // before the position's next segment: with every name before it, it reads none of the directory's files.
        var after = SourcePosition.AfterDirectory("sub").Path.Split('/');

        Assert.Equal(["sub", SourcePosition.PastEveryName], after);
        Assert.True(string.CompareOrdinal(name, after[1]) < 0, $"'{name}' orders after the position past every name");
        Assert.Equal([SourcePosition.PastEveryName], SourcePosition.AfterDirectory(".").Path.Split('/'));
    }

    [Fact]
    public async Task A_listing_error_that_may_pass_fails_the_read_naming_the_directory_and_a_read_again_from_its_position_gets_every_file()
    {
        var fault = _faults.FailSourceListings("deep");
        SourceEntry first;
        using (var cursor = new SourceCursor(_files.Location(), null, 1024, Files, retryReadErrors: true))
        {
            first = (await cursor.NextAsync(CancellationToken.None))!;
            var error = await Assert.ThrowsAsync<SourceReadException>(() => cursor.NextAsync(CancellationToken.None));

            Assert.Equal(("sub/deep", true), (error.Path, error.IsDirectory));
            Assert.Equal("the source directory 'sub/deep' could not be listed", error.Reason);
            Assert.IsType<IOException>(error.InnerException);
        }

        var (rest, cutShort) = await ReadAllAsync(first.After, retryReadErrors: true);

        Assert.Equal("a.md", first.Id);
        Assert.Equal(["sub/deep/d.md", "sub/s.md", "z.md"], rest.Select(e => e.Id));
        Assert.Null(cutShort);
        Assert.Equal(1, fault.Injected);
    }

    [Theory]
    [InlineData("root", ".")]
    [InlineData("sub", "sub")]
    public void The_directory_is_named_by_its_path_within_the_source(string name, string path)
    {
        _faults.FailSourceListings(name);

        var error = Assert.Throws<SourceReadException>(() => SourceFiles.From(_files.Location(), null, files: Files, retryListingErrors: true).ToList());

        Assert.Equal(path, error.Path);
    }

    [Fact]
    public async Task At_the_last_attempt_a_directory_that_still_cannot_be_listed_becomes_one_failed_entry_and_the_read_says_so()
    {
        _faults.FailSourceListings("sub", times: int.MaxValue);

        var (entries, cutShort) = await ReadAllAsync(null, retryReadErrors: false);

        Assert.Equal(["a.md", "sub", "z.md"], entries.Select(e => e.Id));
        var unlisted = entries[1];
        Assert.Equal((null, null, true), (unlisted.Document, unlisted.SeenId, unlisted.IsUnlistedDirectory));
        Assert.Equal("The directory could not be listed at the task's last attempt, in its count or its reading (an I/O error); its files were not read.", unlisted.Problem);
        Assert.Equal(DocumentOutcome.Failed, unlisted.Failure.Outcome);
        Assert.Equal("the directory 'sub' could not be listed (IOException)", cutShort);
    }

    [Theory]
    [InlineData("sub", null, "z.md")]
    [InlineData("deep", null, "sub/s.md z.md")]
    [InlineData("deep", "sub/deep/d.md", "sub/s.md z.md")]
    [InlineData("root", null, "")]
    public async Task A_read_resumed_after_a_given_up_directory_goes_on_after_its_whole_subtree_and_never_lists_it_again(
        string failing, string? insideAt, string after)
    {
        var fault = _faults.FailSourceListings(failing, times: int.MaxValue);
        var from = insideAt is null ? null : SourcePosition.Done(insideAt);
        SourceEntry unlisted;
        using (var cursor = new SourceCursor(_files.Location(), from, 1024, Files, retryReadErrors: false))
        {
            do
            {
                unlisted = (await cursor.NextAsync(CancellationToken.None))!;
            }
            while (!unlisted.IsUnlistedDirectory);

            Assert.Equal(unlisted.After, cursor.Position);
        }

        var listed = fault.Injected;
        var (rest, _) = await ReadAllAsync(unlisted.After, retryReadErrors: false);

        Assert.Equal(after.Split(' ', StringSplitOptions.RemoveEmptyEntries), rest.Select(e => e.Id));
        Assert.Equal(1, listed);
        Assert.Equal(1, fault.Injected);
    }

    [Fact]
    public async Task A_directory_the_count_gave_up_on_is_listed_once_more_and_given_up_at_once_while_the_task_still_retries()
    {
        var fault = _faults.FailSourceListings("sub", times: int.MaxValue);

        var (entries, cutShort) = await ReadAllAsync(null, retryReadErrors: true, notRetried: ["sub"]);

        Assert.Equal(["a.md", "sub", "z.md"], entries.Select(e => e.Id));
        Assert.True(entries[1].IsUnlistedDirectory);
        Assert.Equal("the directory 'sub' could not be listed (IOException)", cutShort);
        Assert.Equal(1, fault.Injected);
    }

    [Fact]
    public async Task A_directory_the_count_gave_up_on_that_lists_now_is_read_whole_and_any_other_directory_is_still_retried()
    {
        _faults.FailSourceListings("deep");
        SourceEntry first;
        using (var cursor = new SourceCursor(_files.Location(), null, 1024, Files, retryReadErrors: true, notRetried: ["sub"]))
        {
            first = (await cursor.NextAsync(CancellationToken.None))!;
            var error = await Assert.ThrowsAsync<SourceReadException>(() => cursor.NextAsync(CancellationToken.None));
            Assert.Equal("sub/deep", error.Path);
        }

        var (rest, cutShort) = await ReadAllAsync(first.After, retryReadErrors: true, notRetried: ["sub"]);

        Assert.Equal(["sub/deep/d.md", "sub/s.md", "z.md"], rest.Select(e => e.Id));
        Assert.Null(cutShort);
    }

    [Theory]
    [InlineData(null, "b sub sub/deep")]
    [InlineData("sub/deep/d.md", "sub sub/deep")]
    public async Task Whether_a_directory_is_a_link_is_looked_up_only_for_the_directories_the_walk_enters(string? from, string asked)
    {
        _files.Write(".hidden/h.md", "hidden");
        _files.Write("b/b.md", "beta");
        var files = new LinkLookups(_files.Root);

        using (var cursor = new SourceCursor(_files.Location(), from is null ? null : SourcePosition.Done(from), 1024, files))
        {
            while (await cursor.NextAsync(CancellationToken.None) is not null)
            {
            }
        }

        Assert.Equal(asked.Split(' '), files.Asked);
    }

    [Theory]
    [InlineData(typeof(DirectoryNotFoundException))]
    [InlineData(typeof(UnauthorizedAccessException))]
    public async Task A_directory_gone_or_closed_to_the_server_is_left_out_at_once_even_while_errors_are_retried(Type error)
    {
        var files = new ListingRefused("sub", (Exception)Activator.CreateInstance(error)!);
        using var cursor = new SourceCursor(_files.Location(), null, 1024, files, retryReadErrors: true);
        var ids = new List<string>();
        while (await cursor.NextAsync(CancellationToken.None) is { } entry)
        {
            ids.Add(entry.Id);
        }

        Assert.Equal(["a.md", "z.md"], ids);
        Assert.Equal($"the directory 'sub' could not be listed ({error.Name})", cursor.CutShort);
    }

    [Fact]
    public async Task A_count_meeting_a_listing_error_that_may_pass_throws_rather_than_count_without_the_directory()
    {
        _faults.FailSourceListings("sub");

        var error = await Assert.ThrowsAsync<SourceReadException>(() => CountAsync(retryListingErrors: true));
        var count = await CountAsync(retryListingErrors: true);

        Assert.Equal("sub", error.Path);
        Assert.Equal((4, true), (count.Counted, count.Done));
    }

    [Fact]
    public async Task At_the_last_attempt_the_count_counts_a_directory_given_up_on_as_the_one_failed_entry_the_reading_makes()
    {
        _faults.FailSourceListings("sub", times: int.MaxValue);

        var count = await CountAsync(retryListingErrors: false);
        var (entries, _) = await ReadAllAsync(null, retryReadErrors: false);

        Assert.Equal((3, true), (count.Counted, count.Done));
        Assert.Equal(entries.Count, count.Counted);
    }

    [Fact]
    public async Task A_count_in_turns_resumes_after_a_directory_given_up_on_and_never_lists_it_again()
    {
        var fault = _faults.FailSourceListings("sub", times: int.MaxValue);
        long counted = 0;
        var turns = 0;
        SourceCount count;
        SourcePosition? from = null;
        do
        {
            // No budget: each turn stops after one file or directory.
            count = await SourceCounter.CountAsync(_files.Location(), from, TimeSpan.Zero, CancellationToken.None, Files);
            counted += count.Counted;
            from = count.Next;
            turns++;
        }
        while (!count.Done);

        Assert.Equal(3, counted);
        Assert.Equal(4, turns);
        Assert.Equal(1, fault.Injected);
    }

    public void Dispose()
    {
        _faults.Dispose();
        _files.Dispose();
    }

    private Task<SourceCount> CountAsync(bool retryListingErrors) =>
        SourceCounter.CountAsync(_files.Location(), null, TimeSpan.FromMinutes(1), CancellationToken.None, Files, retryListingErrors);

    private async Task<(List<SourceEntry> Entries, string? CutShort)> ReadAllAsync(SourcePosition? from, bool retryReadErrors, string[]? notRetried = null)
    {
        using var cursor = new SourceCursor(_files.Location(), from, 1024, Files, retryReadErrors, notRetried);
        var entries = new List<SourceEntry>();
        while (await cursor.NextAsync(CancellationToken.None) is { } entry)
        {
            entries.Add(entry);
        }

        return (entries, cursor.CutShort);
    }

    /// <summary>The file system, recording which directories (paths within <paramref name="root"/>) are asked whether they are links.</summary>
    private sealed class LinkLookups(string root) : ISourceFileReader
    {
        public List<string> Asked { get; } = [];

        public IReadOnlyList<SourceDirectoryEntry> List(string directory) => SourceFileReader.Instance.List(directory);

        public bool IsLink(string directory)
        {
            Asked.Add(Path.GetRelativePath(root, directory).Replace(Path.DirectorySeparatorChar, '/'));
            return SourceFileReader.Instance.IsLink(directory);
        }

        public long LengthOf(string path) => SourceFileReader.Instance.LengthOf(path);

        public Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken) => SourceFileReader.Instance.ReadAllTextAsync(path, cancellationToken);

        public Stream OpenRead(string path) => SourceFileReader.Instance.OpenRead(path);
    }

    /// <summary>The file system, but for the directories named <paramref name="name"/>, whose listing throws <paramref name="error"/>.</summary>
    private sealed class ListingRefused(string name, Exception error) : ISourceFileReader
    {
        public IReadOnlyList<SourceDirectoryEntry> List(string directory) =>
            Path.GetFileName(directory) == name ? throw error : SourceFileReader.Instance.List(directory);

        public bool IsLink(string directory) => SourceFileReader.Instance.IsLink(directory);

        public long LengthOf(string path) => SourceFileReader.Instance.LengthOf(path);

        public Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken) => SourceFileReader.Instance.ReadAllTextAsync(path, cancellationToken);

        public Stream OpenRead(string path) => SourceFileReader.Instance.OpenRead(path);
    }
}
