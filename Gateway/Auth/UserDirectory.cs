using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace OrleansTasks.Gateway.Auth;

/// <summary>Checks usernames and passwords against <c>Auth:Users</c>, whose passwords are stored hashed.</summary>
public sealed class UserDirectory(IOptions<AuthOptions> options)
{
    // Verifying against a real hash for unknown names keeps the answer time the same for both.
    private static readonly string DecoyHash = new PasswordHasher<string>().HashPassword("decoy", Guid.NewGuid().ToString());
    private readonly PasswordHasher<string> _hasher = new();

    public bool HasUsers => options.Value.Users.Count > 0;

    public UserAccount? Verify(string username, string password)
    {
        var account = options.Value.Users.FirstOrDefault(u => string.Equals(u.Username, username, StringComparison.Ordinal));
        var result = _hasher.VerifyHashedPassword(username, account?.PasswordHash ?? DecoyHash, password);
        return account is not null && result != PasswordVerificationResult.Failed ? account : null;
    }

    public static string Hash(string password) => new PasswordHasher<string>().HashPassword("", password);
}
