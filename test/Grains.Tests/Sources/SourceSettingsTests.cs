using OrleansTasks.Hosting;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests.Sources;

public sealed class SourceSettingsTests
{
    [Fact]
    public void A_source_document_limit_out_of_range_stops_the_start_with_one_line()
    {
        var refused = Assert.Throws<StartupException>(() => new TasksOptions { MaxSourceDocuments = 0 }.CheckAtStart());

        Assert.Equal("Tasks: The field MaxSourceDocuments must be between 1 and 1000000000.", refused.Message);
        Assert.Equal(100_000_000, new TasksOptions().MaxSourceDocuments);
    }

    [Fact]
    public void A_relative_source_root_stops_the_start_with_one_line()
    {
        var refused = Assert.Throws<StartupException>(() => new TasksOptions { SourceRoots = ["/srv/docs", "data/docs"] }.CheckAtStart());

        Assert.Equal("Tasks:SourceRoots: 'data/docs' is not an absolute path; source roots must be absolute.", refused.Message);
        new TasksOptions { SourceRoots = ["/srv/docs"] }.CheckAtStart();
    }

    [Fact]
    public void A_source_root_whose_links_loop_stops_the_start_with_one_line()
    {
        var folder = Directory.CreateTempSubdirectory("orleans-tasks-roots-").FullName;
        try
        {
            File.CreateSymbolicLink(Path.Combine(folder, "a"), Path.Combine(folder, "b"));
            File.CreateSymbolicLink(Path.Combine(folder, "b"), Path.Combine(folder, "a"));
            var looping = Path.Combine(folder, "a", "docs");

            var refused = Assert.Throws<StartupException>(() => new TasksOptions { SourceRoots = [folder, looping] }.CheckAtStart());

            Assert.StartsWith($"Tasks:SourceRoots: The symbolic links in '{looping}' loop", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', refused.Message);
            new TasksOptions { SourceRoots = [folder] }.CheckAtStart();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
