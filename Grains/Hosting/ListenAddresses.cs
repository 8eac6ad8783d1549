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
            // Kestrel reads an endpoint's URL with surrounding blanks as without them.
            return [.. endpoints.SelectMany(endpoint => OfUrl(endpoint.Setting, endpoint.Url!.Trim()))];
        }

        return configuration[UrlsSetting] is { Length: > 0 } urls ? OfUrls(UrlsName, urls) : [];
    }

    /// <summary>
    /// The addresses of a semicolon-separated list of URLs in Kestrel's <c>urls</c> form. Blanks around a URL are
    /// refused with it: Kestrel does not trim them, and fails its start on them.
    /// </summary>
    public static IReadOnlyList<ListenAddress> OfUrls(string setting, string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        return [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries).SelectMany(url => OfUrl(setting, url))];
    }

    /// <summary>The metrics listener's URLs under <paramref name="key"/> (<see cref="MetricsUrls"/>), none when unset.</summary>
    public static IReadOnlyList<ListenAddress> OfMetrics(IConfiguration configuration, string key) =>
        MetricsUrls.From(configuration, key) is { } metrics ? OfUrls(key, string.Join(';', metrics.Urls)) : [];

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

    /// <summary>
    /// One URL's addresses, as Kestrel binds them: <c>localhost</c> on both loopback addresses, <c>*</c>,
    /// <c>+</c> and host names on every address (IPv6 and IPv4 at once where this host has IPv6); none for a
    /// Unix socket or a port 0 (any free one). A URL of another form stops the start: Kestrel refuses some
    /// with a failed start, and reads others its own way (<c>http://127.0.0.1:abc</c> listened on port 80 of
    /// every address).
    /// </summary>
    private static IEnumerable<ListenAddress> OfUrl(string setting, string url)
    {
        if (UnixSocket().IsMatch(url))
        {
            yield break;
        }

        var match = Url().Match(url);
        var host = match.Groups["host"].Value;
        var port = !match.Success ? -1
            : match.Groups["port"].Success ? int.Parse(match.Groups["port"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture)
            : match.Groups["scheme"].Value.Equals("https", StringComparison.OrdinalIgnoreCase) ? 443 : 80;
        if (port is < 0 or > 65535 || (host.StartsWith('[') && !IPAddress.TryParse(host[1..^1], out _)))
        {
            throw Refused(setting, url, "give http:// or https://, a host (an IPv6 address in [ ]) and a port from 0 to 65535, and no path (e.g. http://127.0.0.1:8800)");
        }

        var localhost = host.Equals("localhost", StringComparison.OrdinalIgnoreCase);
        if (port == 0 && localhost)
        {
            throw Refused(setting, url, "Kestrel takes no port 0 (any free port) on localhost; name 127.0.0.1 or [::1]");
        }

        if (port == 0)
        {
            yield break;
        }

        foreach (var address in AddressesOf(host, localhost))
        {
            yield return new ListenAddress(setting, new IPEndPoint(address, port));
        }
    }

    private static StartupException Refused(string setting, string url, string rule) => new($"{setting}: '{url}' is not a URL to listen on: {rule}.");

    private static IEnumerable<IPAddress> AddressesOf(string host, bool localhost)
    {
        if (localhost)
        {
            return Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) ? [address] : [Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any];
    }

    /// <summary>Kestrel's Unix socket and named pipe URLs: the scheme in any case, <c>unix:/</c> and <c>pipe:/</c> in lower case only.</summary>
    [GeneratedRegex(@"^(?i:https?)://(?:unix|pipe):/", RegexOptions.CultureInvariant)]
    private static partial Regex UnixSocket();

    [GeneratedRegex(@"^(?<scheme>https?)://(?<host>\[[^\]\s/]+\]|[^:/\[\]\s]+)(?::(?<port>[0-9]{1,5}))?/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Url();
}
