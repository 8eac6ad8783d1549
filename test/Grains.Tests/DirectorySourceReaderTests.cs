using Microsoft.Extensions.Options;
using OrleansTasks.Grains.Tests.Sources;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

public sealed class DirectorySourceReaderTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("orleans-tasks-sources-").FullName;
    private readonly string _root;
    private readonly string _outside;

    public DirectorySourceReaderTests()
    {
        _root = Directory.CreateDirectory(Path.Combine(_scratch, "root")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_scratch, "outside")).FullName;
        Directory.CreateDirectory(Path.Combine(_root, "docs", "guide"));
        File.WriteAllText(Path.Combine(_root, "docs", "b.md"), "Bee");
        File.WriteAllText(Path.Combine(_root, "docs", "guide", "a.md"), "Aye");
        File.WriteAllText(Path.Combine(_root, "docs", "notes.txt"), "not matched");
        File.WriteAllText(Path.Combine(_outside, "secret.md"), "secret");
    }

    private static DirectorySourceReader Reader(params string[] roots) =>
        new(Options.Create(new TasksOptions { SourceRoots = [.. roots], MaxDocuments = 10 }));

    [Fact]
    public async Task Matching_files_under_the_directory_become_documents_named_by_relative_path()
    {
        var documents = await Reader(_root).ReadAsync(new DirectorySource(Path.Combine(_root, "docs"), "*.md"), CancellationToken.None);

        Assert.Equal(["b.md", "guide/a.md"], documents.Select(d => d.Id));
        Assert.Equal(["Bee", "Aye"], documents.Select(d => d.Content));
        Assert.Equal("a", documents[1].Title);
    }

    [Fact]
    public async Task A_named_pipe_among_the_files_is_refused_without_being_opened()
    {
        using var special = new SpecialFiles();
        special.Pipe(Path.Combine(_root, "docs", "feed.md"));

        var error = await SpecialFiles.WithinAsync(TimeSpan.FromSeconds(10), "the read of a source holding a named pipe", () =>
            Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
                Reader(_root).ReadAsync(new DirectorySource(Path.Combine(_root, "docs"), "*.md"), CancellationToken.None)));

        Assert.Equal("The file 'feed.md' is not a regular file (a named pipe); it was not read.", error.Message);
    }

    [Fact]
    public async Task Dot_dot_out_of_the_root_is_refused()
    {
        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Reader(_root).ReadAsync(new DirectorySource(Path.Combine(_root, "docs", "..", "..", "outside"), "*.md"), CancellationToken.None));

        Assert.Equal("source", error.Field);
        Assert.Contains("outside", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_absolute_path_outside_the_roots_is_refused()
    {
        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Reader(_root).ReadAsync(new DirectorySource(_outside, "*.md"), CancellationToken.None));

        Assert.Equal("source", error.Field);
    }

    [Fact]
    public async Task A_symlinked_directory_that_escapes_the_root_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);

        await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Reader(_root).ReadAsync(new DirectorySource(Path.Combine(_root, "escape"), "*.md"), CancellationToken.None));
    }

    [Fact]
    public async Task A_symlinked_file_that_escapes_the_root_refuses_the_whole_source()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "docs", "leak.md"), Path.Combine(_outside, "secret.md"));

        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Reader(_root).ReadAsync(new DirectorySource(Path.Combine(_root, "docs"), "*.md"), CancellationToken.None));

        Assert.Contains("leak.md", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_whose_links_loop_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "loop-a"), Path.Combine(_root, "loop-b"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "loop-b"), Path.Combine(_root, "loop-a"));

        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Reader(_root).ReadAsync(new DirectorySource(Path.Combine(_root, "loop-a", "docs"), "*.md"), CancellationToken.None));

        Assert.Equal("source", error.Field);
        Assert.Contains("loop", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_whose_links_loop_refuses_the_whole_source_by_name()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "docs", "loop.md"), "loop.md");

        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Reader(_root).ReadAsync(new DirectorySource(Path.Combine(_root, "docs"), "*.md"), CancellationToken.None));

        Assert.Contains("loop.md", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../*.md")]
    [InlineData("sub/*.md")]
    [InlineData("")]
    public async Task Patterns_with_paths_are_refused(string pattern)
    {
        await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Reader(_root).ReadAsync(new DirectorySource(Path.Combine(_root, "docs"), pattern), CancellationToken.None));
    }

    [Fact]
    public async Task Without_roots_directory_sources_are_off()
    {
        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Reader().ReadAsync(new DirectorySource(Path.Combine(_root, "docs"), "*.md"), CancellationToken.None));

        Assert.Contains("SourceRoots", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_files_than_a_task_holds_are_refused()
    {
        for (var i = 0; i < 11; i++)
        {
            File.WriteAllText(Path.Combine(_root, "docs", $"many-{i}.md"), "x");
        }

        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
            Reader(_root).ReadAsync(new DirectorySource(Path.Combine(_root, "docs"), "many-*.md"), CancellationToken.None));

        Assert.Contains("10", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);
}
