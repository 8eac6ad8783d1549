using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The compose site's TLS profile: HTTPS at nginx, plain HTTP only redirecting, mutual TLS in the cluster.</summary>
public sealed partial class ComposeSiteTests
{
    /// <summary>The site's front door over HTTPS, trusting the site's own CA (which this machine does not) and checking the certificate names 127.0.0.1.</summary>
    private static HttpClient HttpsClient(Dictionary<string, string> variables)
    {
        var trusted = SiteCertificateCheck(variables);
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, chain, errors) => trusted(null!, certificate, chain, errors) };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{variables["ORLEANSTASKS_HTTPS_PORT"]}") };
    }

    /// <summary>Accepts the front door's certificate when it chains to the site's CA and names the host asked for.</summary>
    private static RemoteCertificateValidationCallback SiteCertificateCheck(Dictionary<string, string> variables)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(variables["ORLEANSTASKS_TLS_DIR"], "ca", "ca.pem"));
        return (_, certificate, _, errors) =>
            certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && ClusterPortProbe.ChainsTo(ca, certificate);
    }

    /// <summary>nginx's plain-HTTP server logs the redirected request by its path (without_query), never the token in its query string.</summary>
    private static async Task The_redirect_is_logged_without_its_query_string(ComposeSite site, string secret)
    {
        var nginx = (await site.RunningContainersAsync("nginx")).Single();
        var logs = "";
        await Eventually.TrueAsync("nginx to log the redirected request GET /api/tasks/redirect-logged", async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            logs = await site.LogsAsync(nginx);
            return logs.Contains("\"GET /api/tasks/redirect-logged\" 308", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30));

        Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
    }

    /// <summary>The site came back up with the TLS profile: the cluster's certificates in the silos' settings, and the API over HTTPS.</summary>
    private static async Task With_the_TLS_profile_the_cluster_uses_its_certificates_and_nginx_serves_https(
        ComposeSite site, HttpClient https, Guid taskId)
    {
        var silo = (await site.ContainersAsync("silo"))[0];
        var settings = await site.InspectAsync(silo, "{{json .Config.Env}}");

        var ready = await https.GetStringAsync("/health/ready");
        var task = await TaskRequests.GetAsync(https, taskId);

        Assert.Contains("Cluster__Tls__CertificatePath=/etc/orleans-tasks/tls/cluster.pem", settings, StringComparison.Ordinal);
        Assert.Contains("2 active silo(s)", ready, StringComparison.Ordinal);
        Assert.Equal("completed", task.GetProperty("status").GetString());
    }

    /// <summary>
    /// Nothing of the API in clear text: plain HTTP gets a 308 to HTTPS, a sign-in too. A client that
    /// does not trust the site's CA fails the handshake. On the cluster's ports, a peer with the
    /// cluster certificate completes the handshake, one without a certificate or with one of another
    /// CA is refused.
    /// </summary>
    private static async Task Plain_http_redirects_to_https_and_untrusted_peers_are_refused(
        ComposeSite site, DockerEngine engine, Dictionary<string, string> variables, int port)
    {
        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        const string secret = "token-in-a-query-string";
        using var tasks = await plain.GetAsync(new Uri("/api/tasks?limit=1", UriKind.Relative));
        using var tokened = await plain.GetAsync(new Uri($"/api/tasks/redirect-logged?token={secret}", UriKind.Relative));
        using var signIn = await plain.PostAsync(new Uri("/api/auth/token", UriKind.Relative), JsonContent.Create(new { username = "demo", password = Password }));
        using var untrusting = new HttpClient();
        var handshake = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(new Uri($"https://127.0.0.1:{variables["ORLEANSTASKS_HTTPS_PORT"]}/health/live")));

        Assert.Equal(HttpStatusCode.PermanentRedirect, tasks.StatusCode);
        Assert.Equal(new Uri($"https://127.0.0.1:{variables["ORLEANSTASKS_HTTPS_PORT"]}/api/tasks?limit=1"), tasks.Headers.Location);
        Assert.Equal(HttpStatusCode.PermanentRedirect, signIn.StatusCode);
        Assert.IsAssignableFrom<AuthenticationException>(handshake.InnerException);
        Assert.Equal(HttpStatusCode.PermanentRedirect, tokened.StatusCode);
        await The_redirect_is_logged_without_its_query_string(site, secret);

        var tls = variables["ORLEANSTASKS_TLS_DIR"];
        var foreign = Path.Combine(engine.Directory, "foreign-tls");
        await CommandLine.RunOrFailAsync("bash", ["docker/make-certificates.sh", foreign], engine.Environment, TimeSpan.FromMinutes(1));
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(tls, "ca", "ca.pem"));
        using var cluster = ClusterPortProbe.Certificate(Path.Combine(tls, "cluster"));
        using var other = ClusterPortProbe.Certificate(Path.Combine(foreign, "cluster"));
        var silo = await site.AddressAsync((await site.ContainersAsync("silo"))[0]);
        foreach (var clusterPort in new[] { ClusterPortProbe.SiloPort, ClusterPortProbe.GatewayPort })
        {
            var member = await ClusterPortProbe.ConnectAsync(silo, clusterPort, cluster, ca);
            var anonymous = await ClusterPortProbe.ConnectAsync(silo, clusterPort, null, ca);
            var stranger = await ClusterPortProbe.ConnectAsync(silo, clusterPort, other, ca);

            Assert.True(member.Accepted, $"a peer with the cluster certificate on {silo}:{clusterPort}: {member}");
            Assert.False(anonymous.Accepted, $"a peer without a certificate on {silo}:{clusterPort}: {anonymous}");
            Assert.False(stranger.Accepted, $"a peer with another CA's certificate on {silo}:{clusterPort}: {stranger}");
        }
    }
}
