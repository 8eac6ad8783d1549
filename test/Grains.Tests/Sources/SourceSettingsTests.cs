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
}
