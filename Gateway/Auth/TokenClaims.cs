namespace OrleansTasks.Gateway.Auth;

/// <summary>The JWT claim names OrleansTasks reads and writes (inbound claim mapping is off).</summary>
public static class TokenClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Expires = "exp";
}
