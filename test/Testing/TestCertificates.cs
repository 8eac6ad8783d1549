using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansTasks.Testing;

/// <summary>A private certificate authority for a test, writing PFX and PEM files the way an operator's PKI would hand them out.</summary>
public sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _authority;

    public TestCertificates(string name)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("orleans-tasks-pki-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        AuthorityPemPath = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(AuthorityPemPath, _authority.ExportCertificatePem());
    }

    public string Directory { get; }

    /// <summary>The CA's certificate, to configure as the cluster's trust.</summary>
    public string AuthorityPemPath { get; }

    /// <summary>Issues a certificate for <paramref name="name"/> good for client and server authentication; returns the PFX path.</summary>
    public string Issue(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(_authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        var path = Path.Combine(Directory, name + ".pfx");
        File.WriteAllBytes(path, withKey.Export(X509ContentType.Pfx, "test-password"));
        return path;
    }

    /// <summary>The settings that turn cluster TLS on with a certificate issued by this authority.</summary>
    public Dictionary<string, string?> Settings(string name) => new()
    {
        ["Cluster:Tls:CertificatePath"] = Issue(name),
        ["Cluster:Tls:CertificatePassword"] = "test-password",
        ["Cluster:Tls:CaPath"] = AuthorityPemPath,
    };

    public void Dispose()
    {
        _authority.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
