using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// The client package as <c>dotnet pack OrleansTasks.sln</c> makes it at the repository root, in a
/// folder feed of its own: the one package of the solution. Made once for the whole assembly (two
/// packs at once would write the same obj and bin folders), on first use only, so that the tests
/// that need no package do not wait for it. Its version is new on every run, so that no build ever
/// restores a package an earlier run left in a cache.
/// </summary>
public sealed class PackedClient : IAsyncDisposable
{
    private static readonly TimeSpan PackLimit = TimeSpan.FromMinutes(10);
    private readonly Lazy<Task<string>> _packed;
    private readonly ConcurrentBag<string> _sampleCopies = [];

    public PackedClient() => _packed = new(PackSolutionAsync);

    public string Feed { get; } = Directory.CreateTempSubdirectory("orleans-tasks-feed-").FullName;

    public string Version { get; } = string.Create(CultureInfo.InvariantCulture, $"1.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}");

    /// <summary>Packs the solution, the first time only; the path of the client package in <see cref="Feed"/>.</summary>
    public Task<string> PackAsync() => _packed.Value;

    private async Task<string> PackSolutionAsync()
    {
        var package = Path.Combine(Feed, $"OrleansTasks.Client.{Version}.nupkg");
        var output = await RunAsync("dotnet", RepositoryPaths.Root, PackLimit,
            "pack", Path.Combine(RepositoryPaths.Root, "OrleansTasks.sln"), "-c", "Release", "-o", Feed, $"-p:Version={Version}");
        Assert.True(
            Directory.GetFiles(Feed, "*.nupkg").SequenceEqual([package]),
            $"dotnet pack OrleansTasks.sln made {string.Join(", ", Directory.GetFiles(Feed).Select(Path.GetFileName))}, not {Path.GetFileName(package)} alone:\n{output}");
        return package;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var folder in _sampleCopies.Append(Feed))
        {
            Directory.Delete(folder, recursive: true);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// A copy of test/SampleService in a folder of its own that restores the package from
    /// <see cref="Feed"/> (packing first if need be) and everything else from the usual sources,
    /// as a service outside this repository would; build it with <c>-p:OrleansTasksClientVersion=</c><see cref="Version"/>.
    /// </summary>
    public async Task<string> SampleCopyAsync()
    {
        await PackAsync();
        var folder = Directory.CreateTempSubdirectory("orleans-tasks-sample-").FullName;
        _sampleCopies.Add(folder);
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "test", "SampleService")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        // Packages restored into a folder of this copy's own, with the machine's cache as a
        // fallback for everything but the package under test.
        var machineCache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(folder, "packages")}" />
              </config>
              <fallbackPackageFolders>
                <add key="machine" value="{machineCache}" />
              </fallbackPackageFolders>
              <packageSources>
                <add key="orleans-tasks" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        return folder;
    }

    /// <summary>Runs a program to its end within <paramref name="limit"/>; a non-zero exit fails with its output.</summary>
    public static async Task<string> RunAsync(string program, string directory, TimeSpan limit, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await Deadline.RunAsync(process.WaitForExitAsync, limit, $"{program} {string.Join(' ', arguments)}");
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
        return output;
    }
}
