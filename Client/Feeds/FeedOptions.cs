using System.ComponentModel.DataAnnotations;

namespace OrleansTasks.Feeds;

/// <summary>How the feeds of one process make up for a stream that lost events.</summary>
internal sealed class FeedOptions
{
    /// <summary>
    /// A feed whose stream reported an error or has been silent this long is read back from its
    /// grain; a terminal snapshot the stream lost thus arrives within this plus a fifth of it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan StreamSilenceTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
