using System.ComponentModel.DataAnnotations;

namespace OrleansTasks.Gateway.Auth;

/// <summary>The <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";
    public const int MinimumKeyBytes = 32;

    /// <summary>The HS256 key (at least 32 bytes of UTF-8). Never logged.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A file holding the HS256 key (such as a Docker secret under /run/secrets), read at start when <see cref="SigningKey"/> is unset; trailing white space is ignored.</summary>
    public string? SigningKeyFile { get; set; }

    [Required]
    public string Issuer { get; set; } = "orleans-tasks";

    [Required]
    public string Audience { get; set; } = "orleans-tasks";

    /// <summary>An OpenID Connect authority whose published RS256 keys replace the signing key.</summary>
    public string? Authority { get; set; }

    /// <summary>Fetch the authority's metadata over HTTPS only; turn off only for an authority on a trusted local network.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public List<UserAccount> Users { get; set; } = [];

    /// <summary>Close a WebSocket with 1008 when its token expires.</summary>
    public bool CloseOnExpiry { get; set; } = true;

    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>A user who may obtain tokens from <c>POST /api/auth/token</c>.</summary>
public sealed class UserAccount
{
    public string Username { get; set; } = "";

    /// <summary>An ASP.NET Core Identity password hash; make one with <c>dotnet run --project Gateway -- hash-password</c>.</summary>
    public string PasswordHash { get; set; } = "";

    public List<string> Roles { get; set; } = [];
}
