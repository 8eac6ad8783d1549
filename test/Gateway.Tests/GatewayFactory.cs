using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The real gateway in embedded mode, listening with Kestrel on a free loopback port so that
/// real HTTP and WebSocket clients (and browsers) can reach it.
/// </summary>
public class GatewayFactory : WebApplicationFactory<Program>
{
    public const string SigningKey = TestTokens.SigningKey;

    private readonly Dictionary<string, string?> _settings;
    private readonly string _environment;

    private readonly Action<IServiceCollection>? _services;

    public GatewayFactory(IDictionary<string, string?>? settings = null, string environment = "Development", Action<IServiceCollection>? services = null)
    {
        _services = services;
        Port = FreePort();
        _environment = environment;
        _settings = new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = SigningKey,
            ["Tasks:MaxRunningPerSilo"] = "16",

            // Tests poll and run side by side as a handful of users: rate limits are tested on their own.
            ["Gateway:RequestsPerSecond"] = "100000",
            ["Gateway:RequestBurst"] = "100000",
            ["Gateway:AnonymousRequestsPerMinute"] = "100000",
            ["Cluster:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(Port);
    }

    public int Port { get; }

    /// <summary>The server's address; asking for it starts the server, so that a raw socket to it finds the port open whichever test runs first.</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            return new($"http://127.0.0.1:{Port}");
        }
    }

    /// <summary>A WebSocket address on the server, started by asking (see <see cref="BaseAddress"/>).</summary>
    public Uri SocketUri(string path, string? token = null)
    {
        StartServer();
        return new($"ws://127.0.0.1:{Port}{path}{(token is null ? "" : (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "token=" + token)}");
    }

    public HttpClient CreateHttpClient(string? token = null)
    {
        StartServer();
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment(_environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    public static int FreePort() => FreePorts.Next();
}

/// <summary>One gateway shared by the functional tests of a collection.</summary>
public sealed class SharedGateway : GatewayFactory
{
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<SharedGateway>
{
    public const string Name = "gateway";
}
