using System.Net;
using System.Net.Sockets;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A test hosting the gateway in its own process (<see cref="GatewayFactory"/>) runs the gateway's program past its
/// build, on a port of its own that the configuration does not name: the program's check of its ports must not refuse
/// it for a port the configuration names and another process holds (a developer's running gateway on 8800).
/// </summary>
public sealed class InProcessGatewayPortTests
{
    [Fact]
    public async Task A_gateway_hosted_by_a_test_serves_on_its_own_port_while_the_configured_one_is_taken()
    {
        using var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        var port = ((IPEndPoint)held.LocalEndpoint).Port;
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["urls"] = $"http://127.0.0.1:{port}" });
        using var http = gateway.CreateHttpClient();

        using var response = await http.GetAsync(new Uri("/health/live", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
