using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using OrleansTasks.Hosting;

namespace OrleansTasks.Gateway.Auth;

/// <summary>The key that signs and checks HS256 tokens, from configuration (the value or a file) or, in Development only, generated at start.</summary>
public sealed class SigningKey(SymmetricSecurityKey key, bool generated)
{
    public SymmetricSecurityKey Key { get; } = key;

    public bool Generated { get; } = generated;

    /// <summary>
    /// The HS256 key, or null when an identity provider (<c>Auth:Authority</c>) signs the tokens instead.
    /// <c>Auth:SigningKey</c> wins over <c>Auth:SigningKeyFile</c>, so a site may mount an empty secret
    /// and give the key as a value.
    /// </summary>
    public static SigningKey? From(AuthOptions options, bool isDevelopment)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.Authority))
        {
            return null;
        }

        if (!string.IsNullOrEmpty(options.SigningKey))
        {
            return FromText(options.SigningKey, "Auth:SigningKey is");
        }

        if (!string.IsNullOrEmpty(options.SigningKeyFile))
        {
            return FromText(ReadFile(options.SigningKeyFile), $"Auth:SigningKeyFile {options.SigningKeyFile} holds");
        }

        if (!isDevelopment)
        {
            throw new StartupException(
                "Auth:SigningKey is not set: set it or Auth:SigningKeyFile (a key of at least 32 bytes), or Auth:Authority, before starting outside Development.");
        }

        return new SigningKey(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(AuthOptions.MinimumKeyBytes)), generated: true);
    }

    private static SigningKey FromText(string text, string described)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length < AuthOptions.MinimumKeyBytes)
        {
            throw new StartupException($"{described} {bytes.Length} bytes; the key must be at least {AuthOptions.MinimumKeyBytes}.");
        }

        return new SigningKey(new SymmetricSecurityKey(bytes), generated: false);
    }

    /// <summary>The file's text without the line end an editor or <c>echo</c> leaves, so the file and the value give the same key.</summary>
    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path).TrimEnd();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Auth:SigningKeyFile {path} cannot be read ({exception.Message}).");
        }
    }
}
