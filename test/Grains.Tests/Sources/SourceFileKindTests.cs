using Mono.Unix;
using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Grains.Tests.Sources;

public sealed class SourceFileKindTests : IDisposable
{
    private readonly SourceScratch _files = new();
    private readonly SpecialFiles _special = new();

    [Fact]
    public void A_regular_file_is_not_named_nor_is_a_path_whose_lookup_fails()
    {
        Assert.Null(SourceFileKind.NotRegular(_files.Write("a.md", "alpha")));
        Assert.Null(SourceFileKind.NotRegular(Path.Combine(_files.Root, "gone.md")));
        Assert.Null(SourceFileKind.NotRegular(Path.Combine(_files.Root, "a.md", "under-a-file.md")));
    }

    [Fact]
    public void Named_pipes_sockets_devices_and_directories_are_named_by_their_kind()
    {
        Assert.Equal("a named pipe", SourceFileKind.NotRegular(_special.Pipe(Path.Combine(_files.Root, "pipe.md"))));
        Assert.Equal("a socket", SourceFileKind.NotRegular(_special.Socket(Path.Combine(_files.Root, "sock.md"))));
        Assert.Equal("a character device", SourceFileKind.NotRegular("/dev/null"));
        Assert.Equal("a directory", SourceFileKind.NotRegular(_files.Root));
    }

    [Fact]
    public void A_symbolic_link_is_looked_up_through_to_what_it_names()
    {
        var pipe = _special.Pipe(Path.Combine(_files.Root, "pipe.md"));
        var regular = _files.Write("a.md", "alpha");

        Assert.Equal("a named pipe", SourceFileKind.NotRegular(File.CreateSymbolicLink(Path.Combine(_files.Root, "to-pipe.md"), pipe).FullName));
        Assert.Null(SourceFileKind.NotRegular(File.CreateSymbolicLink(Path.Combine(_files.Root, "to-a.md"), regular).FullName));
    }

    [Fact]
    public void Every_file_type_but_a_regular_file_has_a_name()
    {
        Assert.Equal(
            [null, "a directory", "a character device", "a block device", "a named pipe", "a socket"],
            new[] { FileTypes.RegularFile, FileTypes.Directory, FileTypes.CharacterDevice, FileTypes.BlockDevice, FileTypes.Fifo, FileTypes.Socket }
                .Select(SourceFileKind.Describe));
    }

    public void Dispose()
    {
        _special.Dispose();
        _files.Dispose();
    }
}
