using System.Globalization;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// Product processes starved of processor: a control group of their own with a bandwidth quota
/// (cgroup v1 <c>cpu.cfs_quota_us</c>, or v2 <c>cpu.max</c>), so that they get that share of a
/// processor and wait for the rest, as on a machine with far more work than processors, whatever
/// else this machine runs. Needs root and a writable cgroup file system; disposing moves the
/// processes back and removes the group.
/// </summary>
public sealed class CpuQuota : IDisposable
{
    private const string Version1 = "/sys/fs/cgroup/cpu";
    private const string Version2 = "/sys/fs/cgroup";
    private const int PeriodMicroseconds = 100_000;

    private readonly string _root;
    private readonly string _group;
    private readonly List<int> _processes = [];

    private CpuQuota(string root, double processors)
    {
        _root = root;
        _group = Path.Combine(root, "orleanstasks-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_group);
        var quota = (int)(processors * PeriodMicroseconds);
        if (root == Version1)
        {
            File.WriteAllText(Path.Combine(_group, "cpu.cfs_period_us"), PeriodMicroseconds.ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(_group, "cpu.cfs_quota_us"), quota.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            File.WriteAllText(Path.Combine(_group, "cpu.max"), string.Create(CultureInfo.InvariantCulture, $"{quota} {PeriodMicroseconds}"));
        }
    }

    /// <summary>Why no quota can be set here, or null when it can.</summary>
    public static string? Missing()
    {
        if (Environment.UserName != "root")
        {
            return "control groups are changed only as root";
        }

        return Root() is null ? "no cgroup file system with the cpu controller is mounted writable" : null;
    }

    /// <summary>A group whose processes together get <paramref name="processors"/> processors' worth of time (0.25: a quarter of one).</summary>
    public static CpuQuota Create(double processors) =>
        new(Root() ?? throw new InvalidOperationException(Missing()), processors);

    /// <summary>Moves <paramref name="process"/>, all its threads, into the group.</summary>
    public void Add(ProcessHost process)
    {
        ArgumentNullException.ThrowIfNull(process);
        File.WriteAllText(Path.Combine(_group, "cgroup.procs"), process.ProcessId.ToString(CultureInfo.InvariantCulture));
        _processes.Add(process.ProcessId);
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                File.WriteAllText(Path.Combine(_root, "cgroup.procs"), process.ToString(CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
                // The process has exited: it left the group with it.
            }
        }

        // rmdir: the group's files are the kernel's, and go with it.
        Directory.Delete(_group);
    }

    private static string? Root()
    {
        if (File.Exists(Path.Combine(Version1, "cpu.cfs_quota_us")) && Writable(Version1))
        {
            return Version1;
        }

        var controllers = Path.Combine(Version2, "cgroup.subtree_control");
        return File.Exists(controllers) && File.ReadAllText(controllers).Split(' ', '\n').Contains("cpu") && Writable(Version2) ? Version2 : null;
    }

    private static bool Writable(string directory)
    {
        var probe = Path.Combine(directory, "orleanstasks-probe-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
