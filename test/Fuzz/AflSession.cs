using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using SharpFuzz;

namespace OrleansTasks.Fuzz;

/// <summary>
/// One coverage-guided run of a harness: a copy of this program with OrleansTasks' assemblies
/// instrumented by SharpFuzz, driven by Debian's afl-fuzz for the given minutes from the kept
/// corpus; every crash found is kept under <c>crashers/NAME</c>, where <c>replay</c> runs it from then on.
/// </summary>
internal static class AflSession
{
    public static int Run(IHarness harness, double minutes)
    {
        if (!OnPath("afl-fuzz"))
        {
            Console.Error.WriteLine("afl-fuzz was not found: install Debian's afl++ (apt-get install afl++); 'replay' needs no AFL++.");
            return 2;
        }

        var work = Path.Combine(Path.GetTempPath(), "orleans-tasks-fuzz", $"{harness.Name}-{DateTime.UtcNow:yyyyMMddHHmmss}");
        var bin = Path.Combine(work, "bin");
        CopyDirectory(AppContext.BaseDirectory, bin);
        foreach (var assembly in Directory.GetFiles(bin, "OrleansTasks.*.dll").Where(path => !path.EndsWith("OrleansTasks.Fuzz.dll", StringComparison.Ordinal)))
        {
            Fuzzer.Instrument(assembly, type => type.StartsWith("OrleansTasks", StringComparison.Ordinal), Options.Value);
        }

        var findings = Path.Combine(work, "findings");
        var seconds = (int)Math.Max(10, minutes * 60);
        var dictionary = harness.Dictionary is { } tokens ? ["-x", Path.Combine(FuzzPaths.Directory, "dictionaries", tokens)] : Array.Empty<string>();
        var afl = new ProcessStartInfo("afl-fuzz",
        [
            "-i", FuzzPaths.Corpus(harness.Name), "-o", findings, "-V", seconds.ToString(CultureInfo.InvariantCulture), .. dictionary,
            "-t", "5000", "-m", "none", "--", "dotnet", Path.Combine(bin, "OrleansTasks.Fuzz.dll"), harness.Name, "--target",
        ]);
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["AFL_SKIP_BIN_CHECK"] = "1",
            ["AFL_NO_UI"] = "1",
            ["AFL_SKIP_CPUFREQ"] = "1",
            ["AFL_NO_AFFINITY"] = "1",
            ["AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES"] = "1",
            ["AFL_FORKSRV_INIT_TMOUT"] = "120000",
        })
        {
            afl.Environment[name] = value;
        }

        afl.RedirectStandardOutput = true;
        using (var process = Process.Start(afl)!)
        {
            // afl-fuzz prints its status continuously; the summary below says what matters.
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.Error.WriteLine($"afl-fuzz exited with {process.ExitCode}; its state is in {findings}.");
                return 2;
            }
        }

        var stats = ReadStats(Path.Combine(findings, "default", "fuzzer_stats"));
        var kept = KeepCrashes(harness, Path.Combine(findings, "default", "crashes"))
            .Concat(KeepCrashes(harness, Path.Combine(findings, "default", "hangs"))).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{harness.Name}: {stats.GetValueOrDefault("execs_done", "?")} executions in {minutes:0.#} min, {stats.GetValueOrDefault("corpus_count", "?")} paths, {stats.GetValueOrDefault("saved_crashes", "?")} crashes, {stats.GetValueOrDefault("saved_hangs", "?")} hangs"));
        foreach (var crash in kept)
        {
            Console.WriteLine($"  kept for replay: {crash}");
        }

        return kept.Count == 0 ? 0 : 1;
    }

    private static List<string> KeepCrashes(IHarness harness, string crashes)
    {
        var kept = new List<string>();
        if (!Directory.Exists(crashes))
        {
            return kept;
        }

        Directory.CreateDirectory(FuzzPaths.Crashers(harness.Name));
        foreach (var file in Directory.GetFiles(crashes, "id:*"))
        {
            var bytes = File.ReadAllBytes(file);
            var target = Path.Combine(FuzzPaths.Crashers(harness.Name), "crash-" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]);
            File.WriteAllBytes(target, bytes);
            kept.Add(Path.GetRelativePath(FuzzPaths.Directory, target));
        }

        return kept;
    }

    private static Dictionary<string, string> ReadStats(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Select(line => line.Split(':', 2)).Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.Ordinal)
            : [];

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(directory => File.Exists(Path.Combine(directory, program)));

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
        }
    }
}
