using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansTasks.Hosting;

/// <summary>
/// Before a host starts: each address it will listen on is tried (bound and listened on, then closed
/// at once), and the first another process listens on stops the start with a <see cref="StartupException"/>
/// naming its setting. A port taken between this check and the host's own listen still fails the
/// start with exit code 1 (<see cref="HostStart"/>), after the host's own log of it.
/// </summary>
public static class PortsInUse
{
    /// <summary>Throws a <see cref="StartupException"/> for the first of <paramref name="addresses"/> another process holds.</summary>
    public static void Refuse(IEnumerable<ListenAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (var address in addresses)
        {
            if (Taken(address.Endpoint))
            {
                throw new StartupException(string.Create(CultureInfo.InvariantCulture,
                    $"{address.Setting}: port {address.Endpoint.Port} on {Describe(address.Endpoint.Address)} is in use by another process: stop it, or set {address.Setting} to a free port."));
            }
        }
    }

    /// <summary>
    /// Whether another socket listens on <paramref name="endpoint"/>. The probe sets no socket option of its
    /// own: .NET already lets it bind a port whose earlier connections are still closing (TIME_WAIT), and
    /// asking for address reuse would, on Linux, also let it share the port with a listener that shares it
    /// as Orleans' does (<c>SO_REUSEPORT</c>), finding such a silo's port free. Every address of IPv6 is
    /// probed for IPv4 too, as Kestrel listens there; without IPv6, every address of IPv4. An address this
    /// host cannot bind at all is left to the server, whose own error names it.
    /// </summary>
    private static bool Taken(IPEndPoint endpoint)
    {
        try
        {
            return TakenAt(endpoint);
        }
        catch (SocketException) when (endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            return Taken(new IPEndPoint(IPAddress.Any, endpoint.Port));
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool TakenAt(IPEndPoint endpoint)
    {
        using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            probe.DualMode = true;
        }

        try
        {
            probe.Bind(endpoint);
            probe.Listen(1);
            return false;
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
    }

    private static string Describe(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? "every address" : address.ToString();
}
