using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;
using OrleansTasks.Storage.Schema;

namespace OrleansTasks.Silo;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var arguments = args is [MigrateCommand.Name, .. var rest] ? rest : args;
        var builder = Host.CreateApplicationBuilder(arguments);
        LogLevelDefaults.AddTo(builder.Configuration);
        if (args is [MigrateCommand.Name, ..])
        {
            return await MigrateCommand.RunAsync(builder.Configuration);
        }

        var start = new HostStart();
        try
        {
            await ClusterDatabaseCheck.RunAsync(builder.Configuration, NullLoggerFactory.Instance, mayMigrate: true);
            var host = SiloHosts.Build(arguments, builder);
            PortsInUse.Refuse(SiloHosts.ListenAddresses(builder.Configuration));
            start.Watch(host);
            await host.RunAsync();
            return 0;
        }
        catch (Exception exception) when (exception is SchemaException or StartupException or OptionsValidationException || start.Failed)
        {
            await Console.Error.WriteLineAsync($"OrleansTasks silo cannot start: {HostStart.OneLine(exception)}");
            return 1;
        }
        catch (Exception) when (start.StoppedWhileStarting)
        {
            return 0;
        }
    }
}
