using System.Globalization;

namespace OrleansTasks.Gateway.Json;

/// <summary>The one timestamp format on the wire: UTC, six fractional digits, <c>Z</c>.</summary>
public static class WireTime
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string ToWire(this DateTimeOffset time) =>
        time.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    public static string? ToWire(this DateTimeOffset? time) => time?.ToWire();
}
