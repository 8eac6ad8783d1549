using System.Text.Json;
using OrleansTasks.Hosting;

namespace OrleansTasks.Gateway.Auth;

/// <summary>
/// <c>Auth:UsersFile</c>: a JSON file listing the users who may sign in, in the form of
/// <c>Auth:Users</c> (<c>[{ "Username", "PasswordHash", "Roles": [] }]</c>), such as a file mounted
/// into a container. An empty array is allowed (a site whose users sign in through
/// <c>Auth:Authority</c>). Read once at start; a missing or malformed file stops the start with one line
/// naming the file and the problem.
/// </summary>
public static class UsersFile
{
    public const string Key = "Auth:UsersFile";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>The users the file lists, or none when <c>Auth:UsersFile</c> is unset.</summary>
    public static IReadOnlyList<UserAccount> Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = configuration[Key];
        if (string.IsNullOrEmpty(path))
        {
            return [];
        }

        List<UserAccount?>? users;
        try
        {
            users = JsonSerializer.Deserialize<List<UserAccount?>>(File.ReadAllText(path), Json);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, $"cannot be read ({exception.Message})");
        }
        catch (JsonException exception)
        {
            throw Invalid(path, $"is not a JSON array of users ({exception.Message})");
        }

        if (users is null)
        {
            throw Invalid(path, "is not a JSON array of users (it holds null)");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < users.Count; i++)
        {
            if (Problem(users[i], i, seen) is { } problem)
            {
                throw Invalid(path, problem);
            }
        }

        return users!;
    }

    private static string? Problem(UserAccount? user, int index, HashSet<string> seen)
    {
        if (user is null || string.IsNullOrWhiteSpace(user.Username))
        {
            return $"entry {index + 1} has no Username";
        }

        if (!seen.Add(user.Username))
        {
            return $"user '{user.Username}' is listed twice";
        }

        return IsPasswordHash(user.PasswordHash)
            ? null
            : $"user '{user.Username}' has no PasswordHash made by 'hash-password' (echo 'secret' | OrleansTasks.Gateway hash-password)";
    }

    /// <summary>An ASP.NET Core Identity hash: base64 whose first byte names the format (0: v2, 1: v3).</summary>
    private static bool IsPasswordHash(string? hash)
    {
        var bytes = new byte[((hash?.Length ?? 0) * 3 / 4) + 3];
        return !string.IsNullOrEmpty(hash)
            && Convert.TryFromBase64String(hash, bytes, out var length)
            && length > 13
            && bytes[0] is 0x00 or 0x01;
    }

    private static StartupException Invalid(string path, string problem) => new($"{Key} {path} {problem}.");
}
