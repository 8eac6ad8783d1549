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

        try
        {
            await ClusterDatabaseCheck.RunAsync(builder.Configuration, NullLoggerFactory.Instance, mayMigrate: true);
            var host = SiloHosts.Build(arguments, builder);
            PortsInUse.Refuse(SiloHosts.ListenAddresses(builder.Configuration));
            await host.RunAsync();
            return 0;
        }
        catch (Exception exception) when (exception is SchemaException or StartupException or OptionsValidationException || ListenAddresses.IsAddressInUse(exception))
        {
            await Console.Error.WriteLineAsync($"OrleansTasks silo cannot start: {exception.Message}");
            return 1;
        }
    }
}
