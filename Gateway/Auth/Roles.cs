namespace OrleansTasks.Gateway.Auth;

public static class Roles
{
    /// <summary>Sees and manages every user's tasks.</summary>
    public const string Admin = "admin";
}
