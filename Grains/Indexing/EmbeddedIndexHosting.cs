using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Hosting;
using OrleansTasks.Tasks;

namespace OrleansTasks.Indexing;

/// <summary>
/// Registers embedded mode's Lucene index, opened while the host is configured rather than at its first
/// use: a directory that cannot hold it (a file in its place, no permission, an index another process
/// holds open, a damaged one) stops the start with one line naming the setting.
/// </summary>
public static class EmbeddedIndexHosting
{
    public static IServiceCollection AddEmbeddedIndex(this IServiceCollection services, TasksOptions tasks)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(tasks);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(IDocumentIndex)))
        {
            return services;
        }

        // A factory, not an instance, so that the container disposes it (committing it) when the host stops.
        var index = Open(tasks.IndexDirectory);
        services.AddSingleton<IDocumentIndex>(_ => index);
        return services;
    }

    /// <summary>The index in <paramref name="directory"/> (in memory when empty); throws a <see cref="StartupException"/> when it cannot be opened there.</summary>
    public static LuceneDocumentIndex Open(string directory)
    {
        try
        {
            return LuceneDocumentIndex.Open(directory);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new StartupException(
                $"{TasksOptions.SectionName}:{nameof(TasksOptions.IndexDirectory)}: '{directory}' cannot hold the document index: {exception.Message}");
        }
    }
}
