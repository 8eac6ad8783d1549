using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansTasks.Testing;

/// <summary>
/// One of the product's programs (<c>OrleansTasks.Silo.dll</c>, <c>OrleansTasks.Gateway.dll</c>)
/// running as its own process, configured through environment variables as an operator would.
/// </summary>
public sealed class ProcessHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly StreamWriter? _log;
    private readonly string _workingDirectory;
    private bool _logClosed;

    private ProcessHost(string name, Process process, string workingDirectory)
    {
        Name = name;
        _process = process;
        _workingDirectory = workingDirectory;
        _log = OpenLog(name, process.Id);
        process.OutputDataReceived += (_, line) => Record(line.Data);
        process.ErrorDataReceived += (_, line) => Record(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the program wrote, for failure messages.</summary>
    public string RecentOutput => string.Join('\n', _output.TakeLast(60));

    /// <summary>Every line the program wrote that is still kept (the last 500).</summary>
    public IReadOnlyList<string> Output => _output.ToArray();

    /// <summary>The runtime's choice of garbage collector; in a program's environment, null leaves the program's own setting (its runtimeconfig).</summary>
    public const string GarbageCollectorVariable = "DOTNET_gcServer";

    /// <summary>The same setting under the runtime's older prefix, which a parent's environment may still carry.</summary>
    private const string LegacyGarbageCollectorVariable = "COMPlus_gcServer";

    /// <summary>
    /// The collector's young-generation floor, which every launcher of the silo sets (its image, its systemd unit,
    /// <c>run-cluster.sh</c>, its launch profile: README, Operations), and so the silos started here; null in a
    /// silo's environment leaves it unset.
    /// </summary>
    public const string YoungGenerationVariable = "DOTNET_GCgen0size";

    /// <summary>The same setting under the runtime's older prefix.</summary>
    private const string LegacyYoungGenerationVariable = "COMPlus_GCgen0size";

    /// <summary>The value the silo's launchers set: 64 MiB.</summary>
    public const string ShippedYoungGeneration = "0x4000000";

    private const string SiloAssembly = "OrleansTasks.Silo.dll";

    public static ProcessHost Start(string name, string assembly, IDictionary<string, string?> environment, params string[] arguments) =>
        Launch(name, "dotnet", [Path.Combine(AppContext.BaseDirectory, assembly), .. arguments], environment, IsSilo(assembly));

    /// <summary>
    /// Starts the program inside the network namespace <paramref name="networkNamespace"/> (<c>ip netns exec</c>,
    /// which execs it, so that <see cref="ProcessId"/> is the program's own and signals reach it).
    /// </summary>
    public static ProcessHost StartInNamespace(
        string networkNamespace, string name, string assembly, IDictionary<string, string?> environment, params string[] arguments) =>
        Launch(name, "ip", ["netns", "exec", networkNamespace, "dotnet", Path.Combine(AppContext.BaseDirectory, assembly), .. arguments], environment, IsSilo(assembly));

    /// <summary>Whether <paramref name="assembly"/> is a silo's, of this build or another release's.</summary>
    private static bool IsSilo(string assembly) => Path.GetFileName(assembly) == SiloAssembly;

    private static ProcessHost Launch(string name, string program, string[] arguments, IDictionary<string, string?> environment, bool silo)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory.CreateTempSubdirectory("orleans-tasks-process-").FullName,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        // Test processes share the machine's cores: the workstation collector, unless the caller chose (null: the program's own setting).
        if (!environment.TryGetValue(GarbageCollectorVariable, out var collector))
        {
            start.Environment[GarbageCollectorVariable] = "0";
        }
        else if (collector is null)
        {
            start.Environment.Remove(GarbageCollectorVariable);
            start.Environment.Remove(LegacyGarbageCollectorVariable);
        }

        // As their launchers run them, unless the caller chose: a silo with the floor, any other program without it,
        // whatever this process's environment holds.
        if (!environment.TryGetValue(YoungGenerationVariable, out var youngGeneration))
        {
            youngGeneration = silo ? ShippedYoungGeneration : null;
        }

        start.Environment.Remove(LegacyYoungGenerationVariable);
        if (youngGeneration is null)
        {
            start.Environment.Remove(YoungGenerationVariable);
        }
        else
        {
            start.Environment[YoungGenerationVariable] = youngGeneration;
        }

        return new ProcessHost(name, Process.Start(start)!, start.WorkingDirectory);
    }

    /// <summary>Environment variables for a configuration key: <c>Cluster:SiloPort</c> → <c>Cluster__SiloPort</c>.</summary>
    public static Dictionary<string, string?> Environment(IDictionary<string, string?> settings) =>
        settings.ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value);

    /// <summary>SIGKILL: the process dies at once, as in a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: a graceful stop; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await Deadline.RunAsync(_process.WaitForExitAsync, timeout, $"{Name} to exit after SIGTERM");
        return _process.ExitCode;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await Deadline.RunAsync(_process.WaitForExitAsync, timeout, $"{Name} to exit");
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
        // The program's working folder holds nothing a test reads afterwards; a second dispose finds it gone.
        if (Directory.Exists(_workingDirectory))
        {
            Directory.Delete(_workingDirectory, recursive: true);
        }

        if (_log is not null)
        {
            lock (_log)
            {
                _logClosed = true;
                _log.Dispose();
            }
        }
    }

    /// <summary>
    /// Every line of every program a test starts, kept whole in <c>ORLEANSTASKS_PROCESS_LOGS</c> when it names
    /// a folder (<c>{name}-{pid}.log</c>): for a failure whose last 60 lines do not tell the story.
    /// </summary>
    private static StreamWriter? OpenLog(string name, int processId)
    {
        var folder = System.Environment.GetEnvironmentVariable("ORLEANSTASKS_PROCESS_LOGS");
        if (string.IsNullOrEmpty(folder))
        {
            return null;
        }

        Directory.CreateDirectory(folder);
        var file = string.Concat(name.Split(Path.GetInvalidFileNameChars())) + "-" + processId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".log";
        return new StreamWriter(Path.Combine(folder, file)) { AutoFlush = true };
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (_log is not null)
        {
            lock (_log)
            {
                if (!_logClosed)
                {
                    _log.WriteLine(line);
                }
            }
        }

        while (_output.Count > 500)
        {
            _output.TryDequeue(out _);
        }
    }
}
