using OrleansTasks.Tasks;
using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// Link loops end in a refusal, not in a resolution that never ends: before the hop limit, two links
/// naming each other recursed until the stack overflowed, which no catch survives (the silo died).
/// </summary>
public sealed class SourcePathResolverTests : IDisposable
{
    private readonly SourceScratch _files = new();

    [Fact]
    public void Two_links_naming_each_other_are_a_loop()
    {
        Link("a", "b");
        Link("b", "a");

        var loop = Assert.Throws<SymbolicLinkLoopException>(() => SourcePathResolver.RealPath(Path.Combine(_files.Root, "a")));

        Assert.Contains("loop", loop.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_itself_is_a_loop()
    {
        Link("self", "self");

        Assert.Throws<SymbolicLinkLoopException>(() => SourcePathResolver.RealPath(Path.Combine(_files.Root, "self")));
    }

    [Fact]
    public void A_link_into_its_own_path_is_a_loop_however_long_the_path_it_names_grows()
    {
        // a -> a/down: every hop names a longer path through the same link.
        Link("a", Path.Combine(_files.Root, "a", "down"));

        Assert.Throws<SymbolicLinkLoopException>(() => SourcePathResolver.RealPath(Path.Combine(_files.Root, "a", "file.md")));
    }

    [Fact]
    public void A_loop_beneath_a_path_is_found_when_the_path_runs_through_it()
    {
        Directory.CreateDirectory(Path.Combine(_files.Root, "docs"));
        Link("docs/x", "y");
        Link("docs/y", "x");

        Assert.Throws<SymbolicLinkLoopException>(() => SourcePathResolver.RealPath(Path.Combine(_files.Root, "docs", "x", "deeper", "file.md")));
    }

    [Fact]
    public void A_chain_of_as_many_links_as_the_kernel_follows_resolves_and_one_more_is_refused()
    {
        var target = _files.Write("end.md", "end");
        for (var i = 1; i <= SourcePathResolver.MaxLinkHops + 1; i++)
        {
            Link($"l{i}", i == 1 ? "end.md" : $"l{i - 1}");
        }

        Assert.Equal(target, SourcePathResolver.RealPath(Path.Combine(_files.Root, $"l{SourcePathResolver.MaxLinkHops}")));
        Assert.Throws<SymbolicLinkLoopException>(() => SourcePathResolver.RealPath(Path.Combine(_files.Root, $"l{SourcePathResolver.MaxLinkHops + 1}")));
    }

    [Fact]
    public void Links_that_do_not_loop_resolve_to_the_real_path()
    {
        var target = _files.Write("docs/guide/a.md", "alpha");
        Link("shortcut", "docs/guide");
        Link("docs/up", "..");

        Assert.Equal(target, SourcePathResolver.RealPath(Path.Combine(_files.Root, "shortcut", "a.md")));
        Assert.Equal(target, SourcePathResolver.RealPath(Path.Combine(_files.Root, "docs", "up", "docs", "up", "shortcut", "a.md")));
    }

    [Fact]
    public void A_looping_directory_source_is_refused_as_a_bad_source()
    {
        Link("loop-a", "loop-b");
        Link("loop-b", "loop-a");

        var error = Assert.Throws<InvalidTaskRequestException>(() =>
            SourceLocation.Resolve(new DirectorySource(Path.Combine(_files.Root, "loop-a"), "*"), [_files.Root]));

        Assert.Equal("source", error.Field);
        Assert.Contains("loop", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_root_whose_links_came_to_loop_holds_nothing_and_the_other_roots_still_serve()
    {
        Directory.CreateDirectory(Path.Combine(_files.Root, "served"));
        Link("root-a", "root-b");
        Link("root-b", "root-a");
        string[] roots = [Path.Combine(_files.Root, "root-a"), Path.Combine(_files.Root, "served")];

        var served = SourceLocation.Resolve(new DirectorySource(Path.Combine(_files.Root, "served"), "*"), roots);
        var error = Assert.Throws<InvalidTaskRequestException>(() =>
            SourceLocation.Resolve(new DirectorySource(Path.Combine(_files.Root, "root-a", "docs"), "*"), roots));

        Assert.Equal(Path.Combine(_files.Root, "served"), served.Directory);
        Assert.Equal("source", error.Field);
    }

    public void Dispose() => _files.Dispose();

    private void Link(string relativePath, string target) => File.CreateSymbolicLink(Path.Combine(_files.Root, relativePath), target);
}
