using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>
/// Where a process serves <c>/metrics</c> (<c>Silo:MetricsUrls</c>, <c>Gateway:MetricsUrls</c>): URLs
/// in the form of ASP.NET Core's <c>urls</c> setting, separated by ';', each plain http with a port of
/// its own (host <c>*</c>, <c>+</c> or <c>0.0.0.0</c> for every address). Metrics are scraped on the
/// private network: a listener of their own has no certificate, so https is refused at start-up
/// rather than failing later. Unset: no metrics.
/// </summary>
public sealed partial class MetricsUrls
{
    private MetricsUrls(IReadOnlyList<string> urls, IReadOnlySet<int> ports)
    {
        Urls = urls;
        Ports = ports;
    }

    public IReadOnlyList<string> Urls { get; }

    /// <summary>The ports of <see cref="Urls"/>: a connection that arrived on one of them came to the metrics listener.</summary>
    public IReadOnlySet<int> Ports { get; }

    /// <summary>The metrics URLs under <paramref name="key"/>, or null when unset; a malformed one throws <see cref="StartupException"/>.</summary>
    public static MetricsUrls? From(IConfiguration configuration, string key)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[key] is not { Length: > 0 } value)
        {
            return null;
        }

        var urls = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ports = new HashSet<int>();
        foreach (var url in urls)
        {
            ports.Add(PortOf(url) ?? throw new StartupException(
                $"{key}: '{url}' is not an http URL with a port from 1 to 65535 (e.g. http://0.0.0.0:9464); metrics are served over plain http on the private network."));
        }

        return new MetricsUrls(urls, ports);
    }

    /// <summary>The port of a URL in the <c>urls</c> form, or null when it is not one or names no port.</summary>
    public static int? PortOf(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var match = Url().Match(url);
        return match.Success && int.TryParse(match.Groups["port"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : null;
    }

    [GeneratedRegex(@"^http://(?:\[[0-9A-Fa-f:.]+\]|[^:/\[\]\s]+):(?<port>[0-9]{1,5})/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Url();
}
