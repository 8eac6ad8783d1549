using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The compose site's sign-in: passwords from its users file, and the operator cookie every gateway behind nginx accepts.</summary>
public sealed partial class ComposeSiteTests
{
    private static async Task<string> SignInAsync(HttpClient http, string username, string password = Password)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/token", new { username, password });
        Assert.True(response.IsSuccessStatusCode, $"sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>An admin's operator cookie, issued by one gateway, opens the dashboard on every request through nginx (all gateways share the key ring).</summary>
    private static async Task<string> Every_gateway_behind_nginx_accepts_the_operator_cookie(HttpClient http)
    {
        using var exchange = new HttpRequestMessage(HttpMethod.Post, "/api/operator-session");
        exchange.Headers.Authorization = new("Bearer", await SignInAsync(http, "operator"));
        using var session = await http.SendAsync(exchange);
        Assert.True(session.StatusCode == System.Net.HttpStatusCode.NoContent, $"operator-session answered {(int)session.StatusCode}");
        var cookie = session.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

        await AssertDashboardOpensAsync(http, cookie, "through nginx");
        return cookie;
    }

    private static async Task AssertDashboardOpensAsync(HttpClient http, string cookie, string when)
    {
        var statuses = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            using var page = new HttpRequestMessage(HttpMethod.Get, "/orleans/");
            page.Headers.Add("Cookie", cookie);
            using var response = await http.SendAsync(page);
            statuses.Add((int)response.StatusCode);
        }

        Assert.True(statuses.All(status => status == 200), $"GET /orleans/ with the operator cookie {when} answered {string.Join(", ", statuses)}");
    }
}
