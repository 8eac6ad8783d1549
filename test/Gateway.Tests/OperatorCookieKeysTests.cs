using System.Net;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// <c>Gateway:DataProtectionKeys</c>: gateways behind one proxy that share the directory accept each
/// other's operator cookie; gateways with directories of their own do not.
/// </summary>
public sealed class OperatorCookieKeysTests : IDisposable
{
    private readonly string _keys = Directory.CreateTempSubdirectory("orleans-tasks-keys-").FullName;

    public void Dispose() => Directory.Delete(_keys, recursive: true);

    [Fact]
    public async Task Gateways_sharing_the_key_directory_accept_each_other_s_operator_cookie()
    {
        await using var first = Gateway(_keys);
        await using var second = Gateway(_keys);

        var cookie = await OperatorCookieAsync(first);

        Assert.Equal(HttpStatusCode.OK, await DashboardAsync(second, cookie));
        Assert.Equal(HttpStatusCode.OK, await DashboardAsync(first, cookie));
        Assert.NotEmpty(Directory.GetFiles(_keys, "key-*.xml"));
    }

    [Fact]
    public async Task Gateways_with_key_directories_of_their_own_refuse_each_other_s_operator_cookie()
    {
        await using var first = Gateway(Path.Combine(_keys, "first"));
        await using var second = Gateway(Path.Combine(_keys, "second"));

        var cookie = await OperatorCookieAsync(first);

        Assert.Equal(HttpStatusCode.Unauthorized, await DashboardAsync(second, cookie));
    }

    [Fact]
    public async Task A_key_directory_that_cannot_be_written_stops_the_gateway_process_with_one_line()
    {
        var underAFile = Path.Combine(_keys, "a-file", "keys");
        await File.WriteAllTextAsync(Path.Combine(_keys, "a-file"), "", TestContext.Current.CancellationToken);
        var settings = new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = TestTokens.SigningKey,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Gateway:DataProtectionKeys"] = underAFile,
        };

        await using var gateway = ProcessHost.Start("gateway", "OrleansTasks.Gateway.dll", ProcessHost.Environment(settings));
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 1, $"exit code {exit}; output:\n{gateway.RecentOutput}");
        var line = Assert.Single(gateway.RecentOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"OrleansTasks gateway cannot start: Gateway:DataProtectionKeys {underAFile} is not a writable directory", line, StringComparison.Ordinal);
    }

    private static GatewayFactory Gateway(string? keys) =>
        new(new Dictionary<string, string?> { ["Gateway:DataProtectionKeys"] = keys });

    private static async Task<string> OperatorCookieAsync(GatewayFactory gateway)
    {
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        using var session = await admin.PostAsync(new Uri("/api/operator-session", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
        return session.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
    }

    private static async Task<HttpStatusCode> DashboardAsync(GatewayFactory gateway, string cookie)
    {
        using var browser = gateway.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orleans/");
        request.Headers.Add("Cookie", cookie);
        using var response = await browser.SendAsync(request);
        return response.StatusCode;
    }
}
