using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The README's "Run a cluster" script, run for real: PostgreSQL, migrate, two silos, a gateway.</summary>
public sealed class RunClusterScriptTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_script_starts_a_working_two_silo_cluster_and_stops_it()
    {
        postgres.Require();
        var folder = Directory.CreateTempSubdirectory("orleans-tasks-cluster-").FullName;
        var gatewayPort = PostgresSilo.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["CLUSTER_DIR"] = folder,
            ["PG_PORT"] = PostgresSilo.FreePort().ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_PORT"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["SILO_PORTS"] = $"{PostgresSilo.FreePort()} {PostgresSilo.FreePort()}",
            ["SILO_GATEWAY_PORTS"] = $"{PostgresSilo.FreePort()} {PostgresSilo.FreePort()}",
            ["BIN_DIR"] = AppContext.BaseDirectory,
        };
        try
        {
            var (started, startOutput) = await RunScriptAsync("start", environment);
            Assert.True(started == 0, startOutput);
            Assert.Contains("ready: 2 active silo(s)", startOutput, StringComparison.Ordinal);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
            var password = (await File.ReadAllTextAsync(Path.Combine(folder, "demo-password"))).Trim();
            using var login = await http.PostAsJsonAsync("/api/auth/token", new { username = "demo", password });
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var taskId = await TaskRequests.CreateAsync(http, TaskRequests.Body(200));
            var task = await TaskRequests.WaitForEndAsync(http, taskId);
            Assert.Equal("completed", task.GetProperty("status").GetString());
        }
        finally
        {
            var (stopped, stopOutput) = await RunScriptAsync("stop", environment);
            Directory.Delete(folder, recursive: true);
            Assert.True(stopped == 0, stopOutput);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunScriptAsync(string command, Dictionary<string, string> environment)
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "docker", "run-cluster.sh"), command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await Deadline.RunAsync(process.WaitForExitAsync, TimeSpan.FromMinutes(4), $"docker/run-cluster.sh {command} to exit");
        return (process.ExitCode, await output + await errors);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrleansTasks.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The tests run outside the repository.");
    }
}
