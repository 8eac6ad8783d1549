using System.Diagnostics;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Programs from the operating system that some tests drive. When one is missing the test is
/// skipped, saying how to install it, unless the variable named for that program is 1 (as in CI):
/// ORLEANSTASKS_REQUIRE_BROWSER (Chromium), ORLEANSTASKS_REQUIRE_NGINX (nginx),
/// ORLEANSTASKS_REQUIRE_PYTHON (Python 3 with websockets), ORLEANSTASKS_REQUIRE_DOCKER (dockerd,
/// docker-compose, debootstrap and iproute2, run as root), ORLEANSTASKS_REQUIRE_NETNS (root, iproute2 and
/// nftables, for network partitions), ORLEANSTASKS_REQUIRE_FAKETIME (libfaketime, for a silo whose
/// clock runs ahead), ORLEANSTASKS_REQUIRE_CGROUP (root and a writable cgroup file system, for silos
/// starved of processor), ORLEANSTASKS_REQUIRE_CC (a C compiler, for a silo whose opens of a file fail).
/// ORLEANSTASKS_REQUIRE_PG is PostgreSQL's
/// (see <see cref="PostgresServer"/>).
/// </summary>
public static class SystemDependencies
{
    public const string RequireBrowser = "ORLEANSTASKS_REQUIRE_BROWSER";
    public const string RequireNginx = "ORLEANSTASKS_REQUIRE_NGINX";
    public const string RequirePython = "ORLEANSTASKS_REQUIRE_PYTHON";
    public const string RequireDocker = "ORLEANSTASKS_REQUIRE_DOCKER";
    public const string RequireNetns = "ORLEANSTASKS_REQUIRE_NETNS";
    public const string RequireFakeTime = "ORLEANSTASKS_REQUIRE_FAKETIME";
    public const string RequireCgroup = "ORLEANSTASKS_REQUIRE_CGROUP";
    public const string RequireCc = "ORLEANSTASKS_REQUIRE_CC";

    public static string Chromium()
    {
        string[] candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
        return candidates.FirstOrDefault(File.Exists)
            ?? Missing(RequireBrowser, "Chromium is not installed: run 'sudo apt-get install chromium' (Debian) to run the browser tests.");
    }

    public static string Nginx()
    {
        string[] candidates = ["/usr/sbin/nginx", "/usr/bin/nginx"];
        return candidates.FirstOrDefault(File.Exists)
            ?? Missing(RequireNginx, "nginx is not installed: run 'sudo apt-get install nginx-light' (Debian) to run the reverse-proxy test.");
    }

    /// <summary>dockerd, to be started by the test itself (as root), with Compose 1.29, the docker client and debootstrap beside it.</summary>
    public static string Dockerd()
    {
        const string install = "run 'sudo apt-get install docker.io docker-compose debootstrap iproute2' (Debian) to run the compose site test, as root";
        string[] tools = ["/usr/sbin/dockerd", "/usr/bin/docker-compose", "/usr/sbin/debootstrap", "/usr/sbin/ip"];
        if (tools.FirstOrDefault(tool => !File.Exists(tool)) is { } missing)
        {
            return Missing(RequireDocker, $"{Path.GetFileName(missing)} is not installed: {install}.");
        }

        return Environment.UserName == "root"
            ? tools[0]
            : Missing(RequireDocker, $"The compose site test starts its own dockerd and runs debootstrap, which need root: {install}.");
    }

    /// <summary>Root, for README's on-prem blocks whose scripts chown files to the containers' user: required where the compose site test is (its variable).</summary>
    public static void Root(string why)
    {
        if (Environment.UserName != "root")
        {
            Missing(RequireDocker, $"{why}: run the tests as root.");
        }
    }

    /// <summary>Network namespaces, veth pairs and nftables rules can be made here (see <see cref="Testing.Partitions.NetworkCommands"/>).</summary>
    public static void NetworkNamespaces()
    {
        if (Testing.Partitions.NetworkCommands.Missing() is { } missing)
        {
            Missing(RequireNetns, $"Network partitions cannot be made: {missing}.");
        }
    }

    /// <summary>libfaketime, to start a silo whose wall clock runs ahead (see <see cref="Testing.ClusterFaults.FakeClock"/>).</summary>
    public static void FakeTime()
    {
        if (Testing.ClusterFaults.FakeClock.Missing() is { } missing)
        {
            Missing(RequireFakeTime, $"A silo's clock cannot be moved: {missing}.");
        }
    }

    /// <summary>A processor quota can be set on silo processes (see <see cref="Testing.ClusterFaults.CpuQuota"/>).</summary>
    public static void CpuQuota()
    {
        if (Testing.ClusterFaults.CpuQuota.Missing() is { } missing)
        {
            Missing(RequireCgroup, $"Silos cannot be starved of processor: {missing}.");
        }
    }

    /// <summary>A C compiler, to build the interposer that fails a silo's opens of a file (see <see cref="Testing.ClusterFaults.OpenFaults"/>).</summary>
    public static void CCompiler()
    {
        if (Testing.ClusterFaults.OpenFaults.Missing() is { } missing)
        {
            Missing(RequireCc, $"A file's opens cannot be made to fail: {missing}.");
        }
    }

    /// <summary>A Python 3 interpreter that has the 'websockets' package, as the seed's client needs.</summary>
    public static string PythonWithWebsockets()
    {
        foreach (var python in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var probe = Process.Start(new ProcessStartInfo(python, ["-c", "import websockets"]) { RedirectStandardError = true })!;
                probe.WaitForExit(TimeSpan.FromSeconds(30));
                if (probe.HasExited && probe.ExitCode == 0)
                {
                    return python;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under this name
            }
        }

        return Missing(RequirePython,
            "Python 3 with the 'websockets' package is not installed: run 'sudo apt-get install python3-websockets' (Debian) to run the seed-client test.");
    }

    private static string Missing(string requireVariable, string howToInstall)
    {
        if (Environment.GetEnvironmentVariable(requireVariable) == "1")
        {
            Assert.Fail($"{howToInstall} ({requireVariable}=1 requires it.)");
        }

        Assert.Skip($"{howToInstall} (Set {requireVariable}=1 to make its absence a failure.)");
        return "";
    }
}
