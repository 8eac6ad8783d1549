using System.Diagnostics;

namespace OrleansTasks.Testing;

/// <summary>
/// The silo of an earlier build of OrleansTasks, built from the repository's own history, for
/// tests that run silos of two builds side by side. Built once per machine and kept.
/// </summary>
public static class PreviousRelease
{
    /// <summary>The build the rolling-upgrade test starts from: the product as it stood before batches, chains and schedules.</summary>
    public const string Commit = "3aa479368ed2174c1bcbbcdd04cdb22ed89c13b0";

    /// <summary>The schema version that build applies and requires.</summary>
    public const int SchemaVersion = 7;

    private static readonly SemaphoreSlim Building = new(1, 1);

    /// <summary>The path of the earlier build's silo assembly.</summary>
    public static async Task<string> SiloAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "orleans-tasks-previous-release", Commit[..12]);
        var silo = Path.Combine(root, "bin", "OrleansTasks.Silo.dll");
        await Building.WaitAsync();
        try
        {
            if (File.Exists(silo))
            {
                return silo;
            }

            var source = Path.Combine(root, "src");
            Directory.CreateDirectory(source);
            await RunAsync("bash", ["-c", $"git -C '{RepositoryPaths.Root}' archive {Commit} | tar -x -C '{source}'"],
                "the repository's history must hold the previous release (a full clone, not a shallow one)");
            await RunAsync("dotnet", ["build", Path.Combine(source, "Silo", "Silo.csproj"), "-c", "Release", "-o", Path.Combine(root, "bin"), "-nologo", "-v", "q"],
                "building the previous release failed");
            return silo;
        }
        finally
        {
            Building.Release();
        }
    }

    private static async Task RunAsync(string program, string[] arguments, string whatFailed)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{whatFailed}: {await errors}{await output}");
        }
    }
}
