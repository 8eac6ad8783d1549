using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace OrleansTasks.Gateway.Auth;

/// <summary>The key that signs and checks HS256 tokens, from configuration or, in Development only, generated at start.</summary>
public sealed class SigningKey(SymmetricSecurityKey key, bool generated)
{
    public SymmetricSecurityKey Key { get; } = key;

    public bool Generated { get; } = generated;

    public static SigningKey? From(AuthOptions options, bool isDevelopment)
    {
        if (!string.IsNullOrEmpty(options.SigningKey))
        {
            var bytes = Encoding.UTF8.GetBytes(options.SigningKey);
            if (bytes.Length < AuthOptions.MinimumKeyBytes)
            {
                throw new Hosting.StartupException(
                    $"Auth:SigningKey is {bytes.Length} bytes; it must be at least {AuthOptions.MinimumKeyBytes}.");
            }

            return new SigningKey(new SymmetricSecurityKey(bytes), generated: false);
        }

        if (!string.IsNullOrEmpty(options.Authority))
        {
            return null;
        }

        if (!isDevelopment)
        {
            throw new Hosting.StartupException(
                "Auth:SigningKey is not set: set it (at least 32 bytes) or Auth:Authority before starting outside Development.");
        }

        return new SigningKey(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(AuthOptions.MinimumKeyBytes)), generated: true);
    }
}
