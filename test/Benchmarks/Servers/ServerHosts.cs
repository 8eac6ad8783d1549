namespace OrleansTasks.Benchmarks.Servers;

/// <summary>Starts the server of one kind on a loopback port; the load generator runs it as a child process.</summary>
internal static class ServerHosts
{
    public const string OrleansTasks = "orleans";
    public const string Kestrel = "kestrel";
    public const string SignalR = "signalr";

    public static WebApplicationBuilder CreateBuilder(int port, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Shutting down with thousands of sockets and tasks open logs a line for each; the figures are what matters.
            ["Logging:LogLevel:Default"] = "Error",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Error",
            ["Logging:LogLevel:OrleansTasks"] = "Error",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        return builder;
    }

    public static async Task RunAsync(string kind, int port)
    {
        await using var app = kind switch
        {
            OrleansTasks => await OrleansTasksServer.BuildAsync(port),
            Kestrel => KestrelPeer.Build(port),
            SignalR => SignalRPeer.Build(port),
            _ => throw new ArgumentException($"Unknown server '{kind}': {OrleansTasks}, {Kestrel} or {SignalR}.", nameof(kind)),
        };
        await app.StartAsync();
        Console.WriteLine(LoadSettings.ReadyLine);
        // The generator ends the server by closing its standard input.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
    }
}
