using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Bad settings read while a host is built stop the silo process and the client-mode gateway
/// process with exit code 1 and one line naming the setting, never a stack trace.
/// </summary>
public sealed class StartupConfigurationTests
{
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData("Cluster:ClusterId", "two words", "ClusterId")]
    [InlineData("Cluster:ServiceId", "orleans/tasks", "ServiceId")]
    [InlineData("Cluster:SiloPort", "0", "SiloPort")]
    [InlineData("Cluster:SiloPort", "eleven", "Cluster:SiloPort")]
    [InlineData("Cluster:GatewayPort", "65536", "GatewayPort")]
    [InlineData("Cluster:AdvertisedAddress", "silo-1.example", "AdvertisedAddress")]
    [InlineData("Cluster:MigrateOnStart", "sometimes", "Cluster:MigrateOnStart")]
    [InlineData("Cluster:Tls:CertificatePath", "/etc/orleans-tasks/absent.pfx", "Cluster:Tls:CaPath")]
    [InlineData("Tasks:MaxRunningPerSilo", "many", "'Tasks:MaxRunningPerSilo'")]
    [InlineData("Tasks:MaxRunningPerUser", "abc", "'Tasks:MaxRunningPerUser'")]
    [InlineData("Tasks:DefaultTimeout", "PT30M", "'Tasks:DefaultTimeout'")]
    [InlineData("Tasks:PriorityAgeing", "PT5M", "'Tasks:PriorityAgeing'")]
    [InlineData("Tasks:Retry:MaxAttempts", "three", "'Tasks:Retry:MaxAttempts'")]
    public async Task A_bad_value_read_at_start_stops_the_silo_and_the_client_mode_gateway_with_one_line(string key, string value, string named)
    {
        var settings = OnFreePorts(key, value);

        var (siloExit, siloOutput) = await RunUntilExitAsync("OrleansTasks.Silo.dll", SiloSettings(settings));
        var (gatewayExit, gatewayOutput) = await RunUntilExitAsync("OrleansTasks.Gateway.dll", ClientGatewaySettings(settings));

        AssertOneLineNaming(named, "OrleansTasks silo cannot start: ", siloExit, siloOutput);
        AssertOneLineNaming(named, "OrleansTasks gateway cannot start: ", gatewayExit, gatewayOutput);
    }

    [Theory]
    [InlineData("Tasks:Retry:MaxAttempts", "0", "MaxAttempts")]
    [InlineData("Tasks:Retry:Backoff", "0.5", "Backoff")]
    [InlineData("Tasks:Retry:InitialInterval", "00:10:00", "Tasks:Retry: MaxInterval")]
    [InlineData("Tasks:DefaultTimeout", "00:00:00", "DefaultTimeout")]
    [InlineData("Tasks:BatchBudget", "abc", "'Tasks:BatchBudget'")]
    [InlineData("Tasks:BatchBudget", "00:00:05", "SliceBudget")]
    public async Task A_bad_retry_policy_time_limit_or_slice_budget_under_its_old_name_stops_the_silo_with_one_line(string key, string value, string named)
    {
        var (exit, output) = await RunUntilExitAsync("OrleansTasks.Silo.dll", SiloSettings(OnFreePorts(key, value)));

        AssertOneLineNaming(named, "OrleansTasks silo cannot start: ", exit, output);
    }

    [Theory]
    [InlineData("Gateway:Mode", "Cluster", "'Gateway:Mode'")]
    [InlineData("Gateway:ProgressQueueLength", "0", "ProgressQueueLength")]
    [InlineData("Auth:TokenLifetime", "00:00:01", "TokenLifetime")]
    [InlineData("Tasks:MaxRunningPerSilo", "0", "MaxRunningPerSilo")]
    [InlineData("Tasks:IndexConnectionsPerTask", "0", "IndexConnectionsPerTask")]
    [InlineData("Schedules:CheckPeriod", "00:00:00", "CheckPeriod")]
    [InlineData("Schedules:CheckPeriod", "soon", "'Schedules:CheckPeriod'")]
    [InlineData("ASPNETCORE_URLS", "http://127.0.0.1:abc", "urls (ASPNETCORE_URLS, --urls): 'http://127.0.0.1:abc' is not a URL to listen on")]
    [InlineData("ASPNETCORE_URLS", "127.0.0.1:8800", "urls (ASPNETCORE_URLS, --urls): '127.0.0.1:8800' is not a URL to listen on")]
    public async Task A_bad_gateway_value_stops_the_embedded_gateway_with_one_line(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            [key] = value,
        };

        var (exit, output) = await RunUntilExitAsync("OrleansTasks.Gateway.dll", settings);

        AssertOneLineNaming(named, "OrleansTasks gateway cannot start: ", exit, output);
    }

    /// <summary>
    /// A port another process listens on is found before the host starts: one line naming the setting that
    /// gives it, not a half-started silo's failures and an abort (a second <c>dotnet run --project Gateway</c>).
    /// </summary>
    [Theory]
    [InlineData("OrleansTasks.Gateway.dll", "ASPNETCORE_URLS", "urls (ASPNETCORE_URLS, --urls)")]
    [InlineData("OrleansTasks.Gateway.dll", "Cluster:SiloPort", "Cluster:SiloPort")]
    [InlineData("OrleansTasks.Gateway.dll", "Cluster:GatewayPort", "Cluster:GatewayPort")]
    [InlineData("OrleansTasks.Gateway.dll", "Gateway:MetricsUrls", "Gateway:MetricsUrls")]
    [InlineData("OrleansTasks.Silo.dll", "Cluster:SiloPort", "Cluster:SiloPort")]
    [InlineData("OrleansTasks.Silo.dll", "Cluster:GatewayPort", "Cluster:GatewayPort")]
    [InlineData("OrleansTasks.Silo.dll", "Silo:MetricsUrls", "Silo:MetricsUrls")]
    public async Task A_port_another_process_listens_on_stops_the_start_with_one_line_naming_its_setting(string assembly, string key, string named)
    {
        using var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        var port = ((IPEndPoint)held.LocalEndpoint).Port;
        var settings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Cluster:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            [key] = key.EndsWith("Port", StringComparison.Ordinal) ? port.ToString(CultureInfo.InvariantCulture) : $"http://127.0.0.1:{port}",
        };

        var (exit, output) = await RunUntilExitAsync(assembly, settings);

        var process = assembly.Contains("Silo", StringComparison.Ordinal) ? "silo" : "gateway";
        AssertOneLineNaming($"{named}: port {port} on 127.0.0.1 is in use by another process", $"OrleansTasks {process} cannot start: ", exit, output);
    }

    /// <summary>
    /// A start that fails once the host is built (here Kestrel reading an endpoint's certificate) ends with exit code 1
    /// and a line saying why, after the host's own log of it, not with an unhandled exception's abort (exit code 134).
    /// </summary>
    [Fact]
    public async Task A_start_that_fails_inside_the_host_ends_with_exit_code_1_and_a_line_saying_why()
    {
        var absent = Path.Combine(Path.GetTempPath(), $"orleans-tasks-absent-{Guid.NewGuid():N}.pfx");
        var settings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Cluster:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Kestrel:Endpoints:Public:Url"] = $"https://127.0.0.1:{FreePorts.Next()}",
            ["Kestrel:Endpoints:Public:Certificate:Path"] = absent,
        };

        var (exit, output) = await RunUntilExitAsync("OrleansTasks.Gateway.dll", settings);

        Assert.True(exit == 1, $"exit code {exit}; output:\n{output}");
        Assert.Contains(output.Split('\n'), line => line.StartsWith("OrleansTasks gateway cannot start: ", StringComparison.Ordinal) && line.Contains(absent, StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1")]
    [InlineData("127.0.0.1:9464")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("https://127.0.0.1:9464")]
    [InlineData("http://127.0.0.1:9464;ftp://127.0.0.1:9465")]
    public async Task A_bad_metrics_url_stops_the_silo_and_the_gateway_with_one_line(string urls)
    {
        var (siloExit, siloOutput) = await RunUntilExitAsync("OrleansTasks.Silo.dll", new Dictionary<string, string?> { ["Silo:MetricsUrls"] = urls });
        var (gatewayExit, gatewayOutput) = await RunUntilExitAsync("OrleansTasks.Gateway.dll", ClientGatewaySettings(new() { ["Gateway:MetricsUrls"] = urls }));

        AssertOneLineNaming("Silo:MetricsUrls", "OrleansTasks silo cannot start: ", siloExit, siloOutput);
        AssertOneLineNaming("Gateway:MetricsUrls", "OrleansTasks gateway cannot start: ", gatewayExit, gatewayOutput);
    }

    [Theory]
    [InlineData("Tasks:MaxRunningPerUser", "-1", "MaxRunningPerUser")]
    [InlineData("Tasks:PriorityAgeing", "00:00:00", "PriorityAgeing")]
    public async Task A_bad_admission_setting_stops_the_silo_with_one_line(string key, string value, string named)
    {
        var (exit, output) = await RunUntilExitAsync("OrleansTasks.Silo.dll", SiloSettings(OnFreePorts(key, value)));

        AssertOneLineNaming(named, "OrleansTasks silo cannot start: ", exit, output);
    }

    [Fact]
    public async Task A_metrics_port_that_is_also_a_public_port_stops_the_gateway_with_one_line()
    {
        var port = FreePorts.Next();
        var settings = ClientGatewaySettings(new() { ["Gateway:MetricsUrls"] = $"http://0.0.0.0:{port}" });
        settings["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";

        var (exit, output) = await RunUntilExitAsync("OrleansTasks.Gateway.dll", settings);

        AssertOneLineNaming("Gateway:MetricsUrls", "OrleansTasks gateway cannot start: ", exit, output);
    }

    [Theory]
    [InlineData(null, "cannot be read")]
    [InlineData("{\"Username\": \"demo\"}", "is not a JSON array of users")]
    [InlineData("[{\"Username\": \"demo\", \"PasswordHash\": \"demo-password\"}]", "user 'demo' has no PasswordHash made by 'hash-password'")]
    [InlineData("[{\"PasswordHash\": \"x\"}]", "entry 1 has no Username")]
    public async Task A_wrong_users_file_stops_the_gateway_with_one_line_naming_the_file_and_the_problem(string? content, string problem)
    {
        var (file, exit, output) = await RunGatewayWithFileAsync(content, file => new() { ["Auth:UsersFile"] = file });

        AssertOneLineNaming($"Auth:UsersFile {file} {problem}", "OrleansTasks gateway cannot start: ", exit, output);
    }

    [Fact]
    public async Task A_user_listed_twice_in_the_users_file_stops_the_gateway_with_one_line()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("orleans-tasks-users-").FullName, "users.json");
        var hash = Auth.UserDirectory.Hash("a password");
        await File.WriteAllTextAsync(file, $$"""[{"Username": "demo", "PasswordHash": "{{hash}}"}, {"Username": "demo", "PasswordHash": "{{hash}}"}]""");

        var (exit, output) = await RunUntilExitAsync("OrleansTasks.Gateway.dll", ClientGatewaySettings(new() { ["Auth:UsersFile"] = file }));

        AssertOneLineNaming($"Auth:UsersFile {file} user 'demo' is listed twice", "OrleansTasks gateway cannot start: ", exit, output);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }

    [Theory]
    [InlineData(null, "cannot be read")]
    [InlineData("", "holds 0 bytes; the key must be at least 32")]
    [InlineData("too-short-a-key\n", "holds 15 bytes; the key must be at least 32")]
    public async Task A_wrong_signing_key_file_stops_the_gateway_with_one_line_naming_the_file_and_the_problem(string? content, string problem)
    {
        // Auth:SigningKey empty, as compose passes it when the key comes from a secret.
        var (file, exit, output) = await RunGatewayWithFileAsync(content, file => new() { ["Auth:SigningKey"] = "", ["Auth:SigningKeyFile"] = file });

        AssertOneLineNaming($"Auth:SigningKeyFile {file} {problem}", "OrleansTasks gateway cannot start: ", exit, output);
    }

    /// <summary>Free silo and gateway ports, and <paramref name="key"/> set to <paramref name="value"/>.</summary>
    private static Dictionary<string, string?> OnFreePorts(string key, string value) => new()
    {
        ["Cluster:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
        ["Cluster:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
        [key] = value,
    };

    private static Dictionary<string, string?> SiloSettings(Dictionary<string, string?> settings) => new(settings);

    /// <summary>A client-mode gateway's settings: these defaults, then the test's own over them.</summary>
    private static Dictionary<string, string?> ClientGatewaySettings(Dictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["Gateway:Mode"] = "Client",
            ["Auth:SigningKey"] = TestTokens.SigningKey,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return all;
    }

    /// <summary>A client-mode gateway run to its exit with a file in a directory of its own (none when <paramref name="content"/> is null), named in its settings.</summary>
    private static async Task<(string File, int Exit, string Output)> RunGatewayWithFileAsync(
        string? content, Func<string, Dictionary<string, string?>> settings)
    {
        var directory = Directory.CreateTempSubdirectory("orleans-tasks-file-").FullName;
        var file = Path.Combine(directory, "setting-file");
        try
        {
            if (content is not null)
            {
                await File.WriteAllTextAsync(file, content);
            }

            var (exit, output) = await RunUntilExitAsync("OrleansTasks.Gateway.dll", ClientGatewaySettings(settings(file)));
            return (file, exit, output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunUntilExitAsync(string assembly, Dictionary<string, string?> settings)
    {
        await using var process = ProcessHost.Start(assembly, assembly, ProcessHost.Environment(settings));
        var exit = await process.WaitForExitAsync(ExitDeadline);
        // Every line kept, not the last few: a start that fails inside the host logs its failure at length on one
        // stream while its last line goes to the other, and the two arrive in no set order.
        return (exit, string.Join('\n', process.Output));
    }

    private static void AssertOneLineNaming(string named, string prefix, int exit, string output)
    {
        Assert.True(exit == 1, $"exit code {exit}; output:\n{output}");
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(prefix, line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
    }
}
