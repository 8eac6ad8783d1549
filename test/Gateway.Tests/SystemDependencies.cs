using System.Diagnostics;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Programs from the operating system that some tests drive. When one is missing the test is
/// skipped with how to install it, unless ORLEANSTASKS_REQUIRE_BROWSER=1 (as in CI) makes that a failure.
/// </summary>
public static class SystemDependencies
{
    private const string RequireBrowser = "ORLEANSTASKS_REQUIRE_BROWSER";

    public static string Chromium()
    {
        string[] candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
        return candidates.FirstOrDefault(File.Exists)
            ?? Missing("Chromium is not installed: run 'sudo apt-get install chromium' (Debian) to run the browser tests.");
    }

    public static string Nginx()
    {
        string[] candidates = ["/usr/sbin/nginx", "/usr/bin/nginx"];
        return candidates.FirstOrDefault(File.Exists)
            ?? Missing("nginx is not installed: run 'sudo apt-get install nginx-light' (Debian) to run the reverse-proxy test.");
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

        return Missing("Python 3 with the 'websockets' package is not installed: run 'sudo apt-get install python3-websockets' (Debian) to run the seed-client test.");
    }

    private static string Missing(string howToInstall)
    {
        if (Environment.GetEnvironmentVariable(RequireBrowser) == "1")
        {
            Assert.Fail($"{howToInstall} ({RequireBrowser}=1 requires it.)");
        }

        Assert.Skip(howToInstall);
        return "";
    }
}
