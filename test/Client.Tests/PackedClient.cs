using System.Diagnostics;
using System.Globalization;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// The client package as <c>dotnet pack</c> makes it, in a folder feed of its own. Its version is
/// new on every run, so that no build ever restores a package an earlier run left in a cache.
/// </summary>
public sealed class PackedClient : IAsyncLifetime
{
    private static readonly TimeSpan PackLimit = TimeSpan.FromMinutes(10);

    public string Feed { get; } = Directory.CreateTempSubdirectory("orleans-tasks-feed-").FullName;

    public string Version { get; } = string.Create(CultureInfo.InvariantCulture, $"1.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}");

    public string Package => Path.Combine(Feed, $"OrleansTasks.Client.{Version}.nupkg");

    public async ValueTask InitializeAsync()
    {
        var output = await RunAsync("dotnet", RepositoryPaths.Root, PackLimit,
            "pack", Path.Combine(RepositoryPaths.Root, "Client", "Client.csproj"), "-c", "Release", "-o", Feed, $"-p:Version={Version}");
        Assert.True(File.Exists(Package), $"dotnet pack made no {Package}:\n{output}");
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Feed, recursive: true);
        return ValueTask.CompletedTask;
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
