using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace OrleansTasks.Gateway.Auth;

/// <summary>The key that signs and checks HS256 tokens, from configuration or, in Development only, generated at start.</summary>
public sealed class SigningKey(SymmetricSecurityKey key, bool generated)
{
    public SymmetricSecurityKey Key { get; } = key;

    public bool Generated { get; } = generated;

    /// <summary>The HS256 key, or null when an identity provider (<c>Auth:Authority</c>) signs the tokens instead.</summary>
    public static SigningKey? From(AuthOptions options, bool isDevelopment)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.Authority))
        {
            return null;
        }

        if (!string.IsNullOrEmpty(options.SigningKey))
        {
            var bytes = Encoding.UTF8.GetBytes(options.SigningKey);
            if (bytes.Length < AuthOptions.MinimumKeyBytes)
            {
                throw new OrleansTasks.Hosting.StartupException(
                    $"Auth:SigningKey is {bytes.Length} bytes; it must be at least {AuthOptions.MinimumKeyBytes}.");
            }

            return new SigningKey(new SymmetricSecurityKey(bytes), generated: false);
        }

        if (!isDevelopment)
        {
            throw new OrleansTasks.Hosting.StartupException(
                "Auth:SigningKey is not set: set it (at least 32 bytes) or Auth:Authority before starting outside Development.");
        }

        return new SigningKey(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(AuthOptions.MinimumKeyBytes)), generated: true);
    }
}
