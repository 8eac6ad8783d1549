using System.Diagnostics;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// Files that a process cannot open, failing with EIO as on a failing disk, through an LD_PRELOAD interposer
/// (<c>openfault.c</c> beside this file) that this machine's <c>cc</c> compiles once per test run: a process started with
/// <see cref="Environment"/> fails every open of a path whose file name <see cref="Fail"/> listed, until <see cref="Mend"/>.
/// .NET turns that errno into a plain <see cref="IOException"/>, neither a missing file nor a refused one.
/// </summary>
public sealed class OpenFaults
{
    /// <summary>The variable that names the control file (its lines are the file names whose opens fail).</summary>
    public const string ControlVariable = "ORLEANSTASKS_OPEN_FAULTS";

    private static readonly Lazy<string> Library = new(Compile);
    private readonly HashSet<string> _names = [];
    private readonly string _control;

    /// <summary>A control file of its own, listing no file yet; the library is compiled on the run's first.</summary>
    public OpenFaults()
    {
        _control = Path.Combine(Path.GetDirectoryName(Library.Value)!, $"open-faults-{Guid.NewGuid():N}");
        Write();
    }

    /// <summary>Why the interposer cannot be compiled here, or null when it can.</summary>
    public static string? Missing() =>
        Compiler() is null ? "No C compiler (cc) is on the PATH to build the open(2) fault: run 'sudo apt-get install gcc' (Debian)" : null;

    /// <summary>Environment variables that start a process whose opens of the listed files fail.</summary>
    public Dictionary<string, string?> Environment => new()
    {
        ["LD_PRELOAD"] = Library.Value,
        [ControlVariable] = _control,
    };

    /// <summary>From now on every open of a file named <paramref name="fileName"/> (in any directory) fails with EIO.</summary>
    public void Fail(string fileName)
    {
        _names.Add(fileName);
        Write();
    }

    /// <summary>Opens of <paramref name="fileName"/> go through again.</summary>
    public void Mend(string fileName)
    {
        _names.Remove(fileName);
        Write();
    }

    /// <summary>The list replaced whole, by a rename: the interposer, reading it at each open, never sees half of it.</summary>
    private void Write()
    {
        var next = _control + ".next";
        File.WriteAllLines(next, _names);
        File.Move(next, _control, overwrite: true);
    }

    private static string? Compiler() =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "cc")).FirstOrDefault(File.Exists);

    /// <summary><c>libopenfault.so</c> in a folder of this test run's, removed when the run ends.</summary>
    private static string Compile()
    {
        var compiler = Compiler() ?? throw new InvalidOperationException(Missing());
        var directory = Directory.CreateTempSubdirectory("orleans-tasks-openfault-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        };
        var library = Path.Combine(directory, "libopenfault.so");
        var source = Path.Combine(RepositoryPaths.Root, "test", "Testing", "ClusterFaults", "openfault.c");
        using var cc = Process.Start(new ProcessStartInfo(compiler, ["-shared", "-fPIC", "-O2", "-o", library, source, "-ldl"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var errors = cc.StandardError.ReadToEndAsync();
        cc.StandardOutput.ReadToEnd();
        if (!cc.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            cc.Kill();
            throw new TimeoutException($"cc did not compile {source} within a minute.");
        }

        return cc.ExitCode == 0
            ? library
            : throw new InvalidOperationException($"cc could not compile {source} (exit code {cc.ExitCode}; the C library's headers are in Debian's libc6-dev):\n{errors.Result}");
    }
}
