using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace OrleansTasks.Hosting;

/// <summary>
/// Mutual TLS on the cluster network, on when <c>Cluster:Tls:CertificatePath</c> is set: silos and
/// clients (gateways, internal services) present a certificate, and accept a peer only if the
/// peer's certificate chains to the CA in <c>Cluster:Tls:CaPath</c>. No process without such a
/// certificate can join the cluster or call a grain.
/// </summary>
internal sealed class ClusterTls
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster:Tls";

    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection _authorities;

    private ClusterTls(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        _certificate = certificate;
        _authorities = authorities;
    }

    /// <summary>The cluster's TLS settings, or null when TLS is off; a half-configured or unreadable setting stops the start.</summary>
    public static ClusterTls? From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        var certificatePath = section["CertificatePath"];
        if (string.IsNullOrEmpty(certificatePath))
        {
            return null;
        }

        var caPath = section["CaPath"];
        if (string.IsNullOrEmpty(caPath))
        {
            throw new StartupException("Cluster:Tls:CertificatePath is set but Cluster:Tls:CaPath is not: give the PEM file of the CA that issues the cluster's certificates.");
        }

        try
        {
            var certificate = certificatePath.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || certificatePath.EndsWith(".p12", StringComparison.OrdinalIgnoreCase)
                ? X509CertificateLoader.LoadPkcs12FromFile(certificatePath, section["CertificatePassword"])
                : X509Certificate2.CreateFromPemFile(certificatePath, section["KeyPath"]);
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(caPath);
            if (!certificate.HasPrivateKey)
            {
                throw new StartupException($"{certificatePath} has no private key (give Cluster:Tls:KeyPath for a PEM certificate).");
            }

            return new ClusterTls(certificate, authorities);
        }
        catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new StartupException($"Cluster TLS certificates could not be read: {exception.Message}");
        }
    }

    /// <summary>Presents this process's certificate and requires a peer certificate issued by the cluster's CA.</summary>
    public void Configure(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.LocalCertificate = _certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, _, _) => IsIssuedByClusterCa(certificate);
    }

    /// <summary>Trust is the cluster's own CA, not the machine's store; host names do not matter, as silos dial addresses.</summary>
    private bool IsIssuedByClusterCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
