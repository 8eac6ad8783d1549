using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

public sealed class ListenAddressesTests
{
    private static IConfiguration With(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build();

    private static string[] Shown(IEnumerable<ListenAddress> addresses) => [.. addresses.Select(a => $"{a.Setting} {a.Endpoint}")];

    /// <summary>Every address, as Kestrel listens on it: IPv6 and IPv4 at once where this host has IPv6.</summary>
    private static readonly string Every = Socket.OSSupportsIPv6 ? "[::]" : "0.0.0.0";

    private static int Held(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    [Fact]
    public void Urls_are_read_as_Kestrel_binds_them()
    {
        var addresses = ListenAddresses.OfUrls("urls", "http://127.0.0.1:8800;HTTP://*:8801;http://+:8802/;https://example.org;http://[::1]:8803;http://unix:/tmp/gw.sock;http://0.0.0.0:0;http://[fe80::1%1]:8804");

        Assert.Equal(
            ["urls 127.0.0.1:8800", $"urls {Every}:8801", $"urls {Every}:8802", $"urls {Every}:443", "urls [::1]:8803", "urls [fe80::1%1]:8804"],
            Shown(addresses));
    }

    /// <summary>Kestrel fails its start on some of these and reads others its own way: <c>http://127.0.0.1:abc</c> listened on port 80 of every address.</summary>
    [Theory]
    [InlineData("127.0.0.1:8800")]
    [InlineData("ftp://127.0.0.1:8800")]
    [InlineData("http://127.0.0.1:abc")]
    [InlineData("http://127.0.0.1:65536")]
    [InlineData("http://127.0.0.1:8800;not a url")]
    [InlineData("http://127.0.0.1:8800/tasks")]
    [InlineData("http://[::1%lo:8800")]
    [InlineData("http://[not-an-address]:8800")]
    [InlineData("http://localhost:0")]
    [InlineData("http://127.0.0.1:8800; http://127.0.0.1:8801")]
    public void A_url_that_is_not_one_to_listen_on_stops_the_start_naming_it(string urls)
    {
        var refused = Assert.Throws<StartupException>(() => ListenAddresses.OfUrls("urls (ASPNETCORE_URLS, --urls)", urls));

        Assert.StartsWith("urls (ASPNETCORE_URLS, --urls): '", refused.Message, StringComparison.Ordinal);
        Assert.Contains(urls.Split(';')[^1], refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Localhost_is_both_loopback_addresses()
    {
        var addresses = ListenAddresses.OfUrls("urls", "http://localhost:8800");

        Assert.Contains("urls 127.0.0.1:8800", Shown(addresses));
        Assert.Equal(Socket.OSSupportsIPv6 ? 2 : 1, addresses.Count);
    }

    [Fact]
    public void The_web_server_takes_kestrel_endpoints_before_urls()
    {
        var both = With(("Kestrel:Endpoints:Public:Url", " http://127.0.0.1:9001 "), ("urls", "http://127.0.0.1:9002"));
        var urls = With(("urls", "http://127.0.0.1:9002"));

        Assert.Equal(["Kestrel:Endpoints:Public:Url 127.0.0.1:9001"], Shown(ListenAddresses.OfWebServer(both)));
        Assert.Equal(["urls (ASPNETCORE_URLS, --urls) 127.0.0.1:9002"], Shown(ListenAddresses.OfWebServer(urls)));
    }

    [Fact]
    public void A_silo_without_a_database_listens_on_loopback_and_one_with_a_database_on_every_address()
    {
        var alone = With(("Cluster:SiloPort", "21111"), ("Cluster:GatewayPort", "23000"));
        var clustered = With(("Cluster:SiloPort", "21111"), ("ConnectionStrings:OrleansTasks", "Host=db;Database=tasks;Username=u;Password=p"));

        Assert.Equal(["Cluster:SiloPort 127.0.0.1:21111", "Cluster:GatewayPort 127.0.0.1:23000"], Shown(ListenAddresses.OfSilo(alone)));
        Assert.Equal(["Cluster:SiloPort 0.0.0.0:21111", "Cluster:GatewayPort 0.0.0.0:30000"], Shown(ListenAddresses.OfSilo(clustered)));
    }

    [Fact]
    public void A_port_another_socket_listens_on_is_refused_naming_its_setting_and_is_taken_once_free()
    {
        using var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        var port = ((IPEndPoint)held.LocalEndpoint).Port;

        var refused = Assert.Throws<StartupException>(() => PortsInUse.Refuse([new ListenAddress("Cluster:SiloPort", new IPEndPoint(IPAddress.Any, port))]));

        Assert.Equal($"Cluster:SiloPort: port {port} on every address is in use by another process: stop it, or set Cluster:SiloPort to a free port.", refused.Message);
        held.Stop();
        PortsInUse.Refuse([new ListenAddress("Cluster:SiloPort", new IPEndPoint(IPAddress.Any, port))]);
    }

    /// <summary>Orleans' listeners ask for address reuse, which on Linux also shares the port: a probe asking the same would find a silo's port free.</summary>
    [Fact]
    public void A_port_held_by_a_listener_that_shares_it_as_orleans_does_is_refused()
    {
        using var held = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        held.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        held.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        held.Listen();
        var port = ((IPEndPoint)held.LocalEndPoint!).Port;

        Assert.Throws<StartupException>(() => PortsInUse.Refuse([new ListenAddress("Cluster:SiloPort", new IPEndPoint(IPAddress.Loopback, port))]));
    }

    [Fact]
    public void A_url_on_every_address_is_refused_for_a_port_held_on_loopback()
    {
        using var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();

        var refused = Assert.Throws<StartupException>(() => PortsInUse.Refuse(ListenAddresses.OfUrls("urls", $"http://*:{Held(held)}")));

        Assert.Contains("on every address", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A gateway started again at once finds its port still held by its earlier run's closing connections (TIME_WAIT); Kestrel listens there, so may the gateway.</summary>
    [Fact]
    public void A_port_whose_earlier_connection_is_still_closing_is_not_refused()
    {
        var earlier = new TcpListener(IPAddress.Loopback, 0);
        earlier.Start();
        var port = Held(earlier);
        using (var client = new TcpClient())
        {
            client.Connect(IPAddress.Loopback, port);
            using var accepted = earlier.AcceptTcpClient();
            accepted.Close();
        }

        earlier.Stop();

        PortsInUse.Refuse([new ListenAddress("urls", new IPEndPoint(IPAddress.Loopback, port))]);
    }
}
