using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// A TLS connection to a silo's cluster port (silo-to-silo or gateway) with a chosen client
/// certificate, to see whether the silo accepts the peer. Under TLS 1.3 the client finishes its
/// handshake before the server has checked the client's certificate, so a refusal may only show on
/// the first read: the server closes or sends an alert. An accepted peer is left waiting for its
/// connection preamble: the read is still pending after <see cref="AcceptedAfter"/>.
/// </summary>
public static class ClusterPortProbe
{
    public const int SiloPort = 11111;
    public const int GatewayPort = 30000;

    private static readonly TimeSpan AcceptedAfter = TimeSpan.FromSeconds(5);

    public sealed record Outcome(bool Accepted, string How);

    /// <summary>The certificate and key make-certificates.sh put in a cluster directory.</summary>
    public static X509Certificate2 Certificate(string directory) =>
        X509Certificate2.CreateFromPemFile(Path.Combine(directory, "cluster.pem"), Path.Combine(directory, "cluster.key"));

    /// <summary>Whether <paramref name="certificate"/> chains to <paramref name="ca"/> alone (not to this machine's trusted roots).</summary>
    public static bool ChainsTo(X509Certificate2 ca, X509Certificate certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    /// <summary>Connects with <paramref name="clientCertificate"/> (none when null); the silo must present a certificate of <paramref name="clusterCa"/>.</summary>
    public static async Task<Outcome> ConnectAsync(string address, int port, X509Certificate2? clientCertificate, X509Certificate2 clusterCa)
    {
        using var tcp = new TcpClient();
        await Deadline.RunAsync(cancel => tcp.ConnectAsync(address, port, cancel).AsTask(), TimeSpan.FromSeconds(30), $"a TCP connection to {address}:{port}");
        // Host names do not matter in the cluster (make-certificates.sh): only the chain.
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate is not null && ChainsTo(clusterCa, certificate));
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "orleans-tasks-cluster",
                ClientCertificates = clientCertificate is null ? [] : [clientCertificate],
                // Sent even when the silo's list of acceptable CAs does not name its issuer.
                LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate!,
            });
        }
        catch (Exception exception) when (exception is AuthenticationException or IOException)
        {
            return new Outcome(false, $"handshake failed: {exception.Message}");
        }

        var read = tls.ReadAsync(new byte[1]).AsTask();
        if (await Task.WhenAny(read, Task.Delay(AcceptedAfter)) != read)
        {
            return new Outcome(true, $"handshake done, connection open after {AcceptedAfter.TotalSeconds} s");
        }

        try
        {
            var bytes = await read;
            return bytes > 0 ? new Outcome(true, "the silo sent data") : new Outcome(false, "the silo closed the connection after the handshake");
        }
        catch (Exception exception) when (exception is AuthenticationException or IOException)
        {
            return new Outcome(false, $"the silo refused after the handshake: {exception.Message}");
        }
    }
}
