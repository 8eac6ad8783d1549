using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Hosting;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Which browser origins may open task WebSockets (docs/protocol.md §3.1): no Origin, the gateway's own
/// origin, the listed ones, and in Development also <c>http://localhost:*</c>,
/// <c>http://127.0.0.1:*</c> and <c>null</c>.
/// </summary>
public sealed class OriginPolicy(IOptions<GatewayOptions> options, IHostEnvironment environment)
{
    private const string NullOrigin = "null";

    private readonly HashSet<string> _listed = options.Value.AllowedOrigins
        .Select(origin => origin == NullOrigin ? origin : Normalize(origin))
        .OfType<string>()
        .ToHashSet(StringComparer.Ordinal);

    public bool DevelopmentDefaults { get; } = environment.IsDevelopment();

    public bool IsAllowed(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        if (origin == NullOrigin)
        {
            return DevelopmentDefaults || _listed.Contains(NullOrigin);
        }

        if (Normalize(origin) is not { } normalized)
        {
            return false;
        }

        if (normalized == Normalize($"{request.Scheme}://{request.Host}") || _listed.Contains(normalized))
        {
            return true;
        }

        return DevelopmentDefaults
            && Uri.TryCreate(normalized, UriKind.Absolute, out var uri)
            && uri.Scheme == Uri.UriSchemeHttp
            && uri.Host is "localhost" or "127.0.0.1";
    }

    /// <summary><c>scheme://host:port</c> in lower case with the port always written, or null for anything that is not an origin.</summary>
    private static string? Normalize(string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        return $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}".ToLowerInvariant();
    }
}
