using System.Diagnostics;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The load benchmark's quick run, end to end, so that it cannot rot: the gateway and both peers
/// as child processes, every scenario, and the behaviours it checks. Figures are not judged here
/// (BENCHMARKS.md holds them); that events flow, the cap refuses with 503 and stopped readers are
/// closed as slow consumers is.
/// </summary>
public sealed class LoadBenchmarkTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);

    private static string BenchmarkProgram()
    {
        // The benchmark is built beside this test project, in the same configuration.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(RepositoryPaths.Root, "test", "Benchmarks", "bin", output.Parent!.Name, output.Name, "OrleansTasks.Benchmarks.dll");
    }

    [Fact]
    public async Task The_quick_run_measures_every_scenario_on_every_server_and_its_checks_hold()
    {
        var output = Path.Combine(Path.GetTempPath(), $"orleans-tasks-load-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { BenchmarkProgram(), "load", "--quick", "--out", output })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(Deadline))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"The quick load benchmark ran longer than {Deadline}:\n{await stdout}");
            }
        }

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{await stdout}\n{await stderr}");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        File.Delete(output);
        var servers = json.RootElement.GetProperty("servers");
        foreach (var server in new[] { "orleans", "kestrel", "signalr" })
        {
            var figures = servers.GetProperty(server).EnumerateArray().ToList();
            // The quick run measures S4 on the gateway only (the slow-consumer check is its), and F1
            // (/ws/tasks) too: the peers have no per-user feed.
            string[] scenarios = server == "orleans" ? ["S0", "S1", "S2", "S3", "S4", "F1"] : ["S0", "S1", "S2", "S3"];
            Assert.Equal(scenarios, figures.Select(f => f.GetProperty("scenario").GetString()).Distinct());
            var received = Value(figures, "S2", "events/s received, 10 tasks × 10 events/s");
            Assert.True(received >= 50, $"{server}: {received} events/s reached the sockets of 10 tasks publishing 10 a second");
            Assert.Equal(0, Value(figures, "S3", "failed reconnects"));
        }

        var gateway = servers.GetProperty("orleans").EnumerateArray().ToList();
        Assert.Equal(503, Value(gateway, "S0", "HTTP status of socket 251 (cap 250)"));
        Assert.Equal(250, Value(gateway, "S0", "sockets still open at the cap"));
        Assert.Equal(Value(gateway, "S4", "sockets stopped reading (5 %)"), Value(gateway, "S4", "of those, closed with 1013 (gateway's count)"));
        Assert.Equal(0, Value(gateway, "S4", "closed before 2 s"));
        const string feed = "50 subscribers (10 users)";
        Assert.True(Value(gateway, "F1", $"task messages received, {feed}") > 0, "no task message reached the /ws/tasks sockets");
        Assert.Equal(Value(gateway, "F1", $"task messages owed, {feed}"),
            Value(gateway, "F1", $"task messages received, {feed}") + Value(gateway, "F1", $"changes coalesced (seq gaps), {feed}"));
        Assert.Equal(0, Value(gateway, "F1", $"last changes missing, {feed}"));
        Assert.Equal(0, Value(gateway, "F1", $"out of order or twice, {feed}"));
    }

    private static double Value(List<JsonElement> figures, string scenario, string measure)
    {
        var figure = figures.SingleOrDefault(f => f.GetProperty("scenario").GetString() == scenario && f.GetProperty("measure").GetString() == measure);
        Assert.True(figure.ValueKind == JsonValueKind.Object, $"no figure '{measure}' in {scenario}");
        return figure.GetProperty("value").GetDouble();
    }
}
