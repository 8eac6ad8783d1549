using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>An address a process is about to listen on, and the setting that names it.</summary>
public sealed record ListenAddress(string Setting, IPEndPoint Endpoint);

/// <summary>
/// The addresses a silo or gateway will listen on, read from its settings as Kestrel and Orleans read
/// them, so that a port another process holds stops the start with one line naming the setting
/// (<see cref="PortsInUse"/>) instead of failing inside the started host, whose half-started services
/// then log their own failures for a screen.
/// </summary>
public static partial class ListenAddresses
{
    private const string UrlsSetting = "urls";
    private const string UrlsName = "urls (ASPNETCORE_URLS, --urls)";
    private const string KestrelEndpoints = "Kestrel:Endpoints";

    /// <summary>
    /// The public server's addresses as Kestrel chooses them: its <c>Kestrel:Endpoints</c> when any is
    /// configured, else <c>urls</c> (which the gateway always sets, to its own default when nothing names one).
    /// </summary>
    public static IReadOnlyList<ListenAddress> OfWebServer(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var endpoints = configuration.GetSection(KestrelEndpoints).GetChildren()
            .Select(endpoint => (Setting: $"{KestrelEndpoints}:{endpoint.Key}:Url", Url: endpoint["Url"]))
            .Where(endpoint => !string.IsNullOrEmpty(endpoint.Url))
            .ToList();
        if (endpoints.Count > 0)
        {
            return [.. endpoints.SelectMany(endpoint => OfUrl(endpoint.Setting, endpoint.Url!))];
        }

        return configuration[UrlsSetting] is { Length: > 0 } urls ? OfUrls(UrlsName, urls) : [];
    }

    /// <summary>The addresses of a semicolon-separated list of URLs in Kestrel's <c>urls</c> form.</summary>
    public static IReadOnlyList<ListenAddress> OfUrls(string setting, string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        return [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).SelectMany(url => OfUrl(setting, url))];
    }

    /// <summary>
    /// A silo's two ports (<c>Cluster:SiloPort</c>, <c>Cluster:GatewayPort</c>): on the loopback address
    /// when it runs without a database (one silo on this host), else on every address.
    /// </summary>
    public static IReadOnlyList<ListenAddress> OfSilo(IConfiguration configuration)
    {
        var cluster = ClusterSettings.From(configuration);
        var address = StorageMode.SiloBudget(configuration) is null ? IPAddress.Loopback : IPAddress.Any;
        return
        [
            new ListenAddress($"{ClusterSettings.SectionName}:{nameof(ClusterSettings.SiloPort)}", new IPEndPoint(address, cluster.SiloPort)),
            new ListenAddress($"{ClusterSettings.SectionName}:{nameof(ClusterSettings.GatewayPort)}", new IPEndPoint(address, cluster.GatewayPort)),
        ];
    }

    /// <summary>Whether <paramref name="exception"/> is, or wraps, a listen refused because the address is taken.</summary>
    public static bool IsAddressInUse(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// One URL's addresses, as Kestrel binds them: <c>localhost</c> on both loopback addresses, <c>*</c>,
    /// <c>+</c> and host names on every address (IPv6 and IPv4 at once where this host has IPv6); none for a
    /// Unix socket, a port 0 (any free one), or a URL Kestrel itself will refuse.
    /// </summary>
    private static IEnumerable<ListenAddress> OfUrl(string setting, string url)
    {
        var match = Url().Match(url);
        if (!match.Success)
        {
            yield break;
        }

        var https = match.Groups["scheme"].Value.Equals("https", StringComparison.OrdinalIgnoreCase);
        var port = match.Groups["port"].Success
            ? int.Parse(match.Groups["port"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture)
            : https ? 443 : 80;
        if (port is < 1 or > 65535)
        {
            yield break;
        }

        var host = match.Groups["host"].Value;
        foreach (var address in AddressesOf(host))
        {
            yield return new ListenAddress(setting, new IPEndPoint(address, port));
        }
    }

    private static IEnumerable<IPAddress> AddressesOf(string host)
    {
        if (host.Equals("unix", StringComparison.OrdinalIgnoreCase) || host.Equals("pipe", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) ? [address] : [Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any];
    }

    [GeneratedRegex(@"^(?<scheme>https?)://(?<host>\[[0-9A-Fa-f:.]+\]|[^:/\[\]\s]+)(?::(?<port>[0-9]{1,5}))?(?:/.*)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Url();
}
