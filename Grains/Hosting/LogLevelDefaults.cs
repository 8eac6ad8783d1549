using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace OrleansTasks.Hosting;

/// <summary>
/// The log levels the silo and gateway programs start from, as the lowest-priority configuration
/// source, so that <c>appsettings.json</c>, environment variables and the command line override
/// them. .NET reads <c>appsettings.json</c> from the content root, the working directory unless
/// told otherwise: a program started from anywhere else (a script, a process supervisor without a
/// working directory) finds none, and without these levels it would write two lines for every
/// placement (Orleans' placement runs in a Polly pipeline that logs each attempt at Information),
/// Orleans' routine information and every HTTP request.
/// </summary>
public static class LogLevelDefaults
{
    /// <summary>Categories logged at Warning and above unless configured otherwise.</summary>
    public static readonly IReadOnlyList<string> Quiet = ["Orleans", "Polly", "Microsoft.AspNetCore"];

    /// <summary>Puts the defaults under every source <paramref name="configuration"/> already has.</summary>
    public static void AddTo(IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var levels = Quiet.ToDictionary(category => $"Logging:LogLevel:{category}", string? (_) => "Warning");
        levels["Logging:LogLevel:Default"] = "Information";

        // Rules match category names by prefix, as strings: "Orleans" would also quiet the product's own "OrleansTasks.*".
        levels["Logging:LogLevel:OrleansTasks"] = "Information";
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = levels });
    }
}
