using System.Net;
using System.Net.WebSockets;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class OperatorPagesTests(SharedGateway gateway)
{
    private HttpClient Browser(CookieContainer cookies)
    {
        gateway.StartServer();
        return new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = gateway.BaseAddress };
    }

    [Fact]
    public async Task An_admin_exchanges_a_token_for_a_cookie_scoped_to_the_orleans_dashboard()
    {
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);
        using var exchange = new HttpRequestMessage(HttpMethod.Post, "/api/operator-session");
        exchange.Headers.Authorization = new("Bearer", TestTokens.Admin);

        using var session = await browser.SendAsync(exchange);
        var setCookie = session.Headers.GetValues("Set-Cookie").Single();
        using var page = await browser.GetAsync("/orleans/");
        using var stats = await browser.GetAsync("/orleans/ClusterStats");
        using var apiWithCookieOnly = await browser.GetAsync("/api/tasks");

        Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
        Assert.Contains("path=/orleans", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("text/html", page.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, apiWithCookieOnly.StatusCode);
    }

    [Fact]
    public async Task Users_who_are_not_admins_and_visitors_without_the_cookie_are_kept_out()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        using var anonymous = Browser(new CookieContainer());

        using var aliceSession = await alice.PostAsync("/api/operator-session", null);
        using var bearerOnly = await admin.GetAsync("/orleans/ClusterStats");
        using var nothing = await anonymous.GetAsync("/orleans/");

        Assert.Equal(HttpStatusCode.Forbidden, aliceSession.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bearerOnly.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, nothing.StatusCode);
    }

    [Fact]
    public async Task The_operator_cookie_opens_no_websocket()
    {
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);
        using var exchange = new HttpRequestMessage(HttpMethod.Post, "/api/operator-session");
        exchange.Headers.Authorization = new("Bearer", TestTokens.Admin);
        using var session = await browser.SendAsync(exchange);
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(1));

        using var socket = new ClientWebSocket();
        socket.Options.Cookies = new CookieContainer();
        foreach (Cookie cookie in cookies.GetAllCookies())
        {
            socket.Options.Cookies.Add(new Cookie(cookie.Name, cookie.Value, "/", cookie.Domain));
        }

        await socket.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}"), CancellationToken.None);
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);

        Assert.Equal(WebSocketMessageType.Close, received.MessageType);
        Assert.Equal("Authentication failed", socket.CloseStatusDescription);
    }
}
