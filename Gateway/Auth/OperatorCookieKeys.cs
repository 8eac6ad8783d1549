using Microsoft.AspNetCore.DataProtection;
using OrleansTasks.Hosting;

namespace OrleansTasks.Gateway.Auth;

/// <summary>
/// The key ring that protects the operator pages' cookie. ASP.NET Core keeps it per process by
/// default, so behind a proxy with several gateways a cookie issued by one is refused by the others
/// and dies with a restart. <c>Gateway:DataProtectionKeys</c> names a directory the gateways share
/// (a volume mounted into each); an unwritable directory stops the start with one line.
/// </summary>
public static class OperatorCookieKeys
{
    public const string Key = "Gateway:DataProtectionKeys";
    public const string ApplicationName = "orleans-tasks";

    public static void AddOperatorCookieKeys(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var protection = services.AddDataProtection().SetApplicationName(ApplicationName);
        if (configuration[Key] is { Length: > 0 } path)
        {
            protection.PersistKeysToFileSystem(WritableDirectory(path));
        }
    }

    private static DirectoryInfo WritableDirectory(string path)
    {
        try
        {
            var directory = Directory.CreateDirectory(path);
            var probe = Path.Combine(directory.FullName, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return directory;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{Key} {path} is not a writable directory ({exception.Message}).");
        }
    }
}
