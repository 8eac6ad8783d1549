using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OrleansTasks.Hosting;
using OrleansTasks.Tasks;

namespace OrleansTasks.Uploads;

/// <summary>
/// Registers the <see cref="IUploadStore"/>: in PostgreSQL where the cluster has a database (a silo
/// uses its index pool, a client gateway its own uploads pool), else in files under
/// <see cref="TasksOptions.UploadDirectory"/>, checked at start so that an unusable directory stops the
/// start with one line.
/// </summary>
public static class UploadStoreHosting
{
    private const string PoolKey = "uploads";

    /// <summary>The PostgreSQL store on the silo's index pool (the <see cref="NpgsqlDataSource"/> it registers).</summary>
    public static IServiceCollection AddSiloUploads(this IServiceCollection services)
    {
        services.TryAddSingleton<IUploadStore>(provider => new PostgresUploadStore(provider.GetRequiredService<NpgsqlDataSource>()));
        return services;
    }

    /// <summary>The PostgreSQL store on a pool of its own (a client gateway's uploads pool).</summary>
    public static IServiceCollection AddPooledUploads(this IServiceCollection services, string connectionString)
    {
        services.TryAddKeyedSingleton(PoolKey, (_, _) => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton<IUploadStore>(provider => new PostgresUploadStore(provider.GetRequiredKeyedService<NpgsqlDataSource>(PoolKey)));
        return services;
    }

    /// <summary>The file store, for a cluster without a database; throws a <see cref="StartupException"/> when the directory is not usable.</summary>
    public static IServiceCollection AddFileUploads(this IServiceCollection services, TasksOptions tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var directory = Directory(tasks);
        CheckUsable(directory);
        services.TryAddSingleton<IUploadStore>(_ => new FileUploadStore(directory));
        return services;
    }

    /// <summary>Where the file store keeps uploads.</summary>
    public static string Directory(TasksOptions tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        return string.IsNullOrWhiteSpace(tasks.UploadDirectory) ? Path.Combine(Path.GetTempPath(), "orleanstasks-uploads") : tasks.UploadDirectory;
    }

    private static void CheckUsable(string directory)
    {
        try
        {
            if (!Path.IsPathFullyQualified(directory))
            {
                throw new IOException("it is not an absolute path");
            }

            System.IO.Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, [0]);
            File.Delete(probe);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new StartupException($"{TasksOptions.SectionName}:{nameof(TasksOptions.UploadDirectory)}: '{directory}' cannot hold uploads: {exception.Message}");
        }
    }
}
