using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Apis;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Gateway.Hosting;
using OrleansTasks.Gateway.OpenApi;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Hosting;
using OrleansTasks.Storage.Schema;

if (args is [PasswordHashCommand.Name, ..])
{
    return PasswordHashCommand.Run(Console.In, Console.Out);
}

var start = new HostStart();
try
{
    var builder = WebApplication.CreateBuilder(args);
    LogLevelDefaults.AddTo(builder.Configuration);
    await ClusterDatabaseCheck.RunAsync(builder.Configuration, NullLoggerFactory.Instance, mayMigrate: builder.IsEmbedded());
    builder.AddOrleansTasksGateway();
    var app = builder.Build();
    GatewayListenAddresses.RefuseTaken(builder);
    app.UseOrleansTasksGateway();
    app.MapAuthApi();
    app.MapTicketApi();
    app.MapTaskApi();
    app.MapUploadApi();
    app.MapBatchApi();
    app.MapScheduleApi();
    app.MapSearchApi();
    app.MapHealthApi();
    app.MapFeedSockets();
    app.MapOrleansTasksOpenApi();
    app.MapOperatorPages();
    GatewayListenAddresses.WatchStart(start, app);
    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (exception is StartupException or OptionsValidationException or SchemaException || start.Failed)
{
    await Console.Error.WriteLineAsync($"OrleansTasks gateway cannot start: {HostStart.OneLine(exception)}");
    return 1;
}
catch (Exception) when (start.StoppedWhileStarting)
{
    return 0;
}

/// <summary>The gateway's entry point, public for WebApplicationFactory.</summary>
public partial class Program;
