using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using OrleansTasks.Feeds;
using OrleansTasks.Gateway.Apis;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Gateway.Json;
using OrleansTasks.Gateway.Logging;
using OrleansTasks.Gateway.OpenApi;
using OrleansTasks.Gateway.Telemetry;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Hosting;
using OrleansTasks.Tasks;
using OrleansTasks.Uploads;

namespace OrleansTasks.Gateway.Hosting;

public static class GatewayHostingExtensions
{
    public const string DefaultUrl = "http://localhost:8800";
    public const int MaxRequestLineBytes = 16 * 1024;

    /// <summary>Registers everything the gateway runs: Orleans (embedded silo or client), auth, APIs and the socket bridge.</summary>
    public static WebApplicationBuilder AddOrleansTasksGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;
        if (string.IsNullOrEmpty(configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Room for a ?token= of up to 8 KiB, so that larger tokens get the protocol's 1008 rather than a bare 414.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestLineSize = MaxRequestLineBytes);

        // Read once here as well, so that a bad value stops the start with one line before the host logs its failure.
        StartupSettings.Read<GatewayOptions>(configuration, GatewayOptions.SectionName);
        StartupSettings.Read<AuthOptions>(configuration, AuthOptions.SectionName);
        StartupSettings.Read<TasksOptions>(configuration, TasksOptions.SectionName);
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TasksOptions>().Bind(configuration.GetSection(TasksOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        AddOrleans(builder);
        services.TryAddSingleton<UploadReceiver>();
        AddAuth(builder);

        services.AddGatewayJson();
        services.AddProblemDetails();
        services.AddOrleansTasksOpenApi();
        services.AddExceptionHandler<ServiceUnavailableHandler>();
        services.AddExceptionHandler<StorageFailedHandler>();
        services.AddExceptionHandler<BadRequestHandler>();
        services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster", tags: [HealthApi.ReadyTag]);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewayOptions>>((forwarded, gateway) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var proxy in gateway.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }
        });

        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton(provider =>
        {
            var threads = new SendThreads(provider.GetRequiredService<IOptions<GatewayOptions>>().Value.SendThreads);
            provider.GetRequiredService<GatewayMetrics>().ObserveSendBacklog(threads);
            return threads;
        });
        services.AddSingleton<IFeedKind<IndexTaskSnapshot>>(TaskFeedKind.Instance);
        services.AddSingleton<IFeedKind<BatchSnapshot>>(BatchFeedKind.Instance);
        services.AddSingleton<OwnerSocketFeed>();

        // The sockets' feeds are the client package's: one set of delivery rules for sockets and services.
        services.AddSingleton<IFeedScheduler>(provider => provider.GetRequiredService<SendThreads>());
        services.AddSingleton<IFeedMetrics>(provider => provider.GetRequiredService<GatewayMetrics>());
        services.AddOptions<FeedOptions>().Configure<IOptions<GatewayOptions>>((feeds, gateway) => feeds.StreamSilenceTimeout = gateway.Value.StreamSilenceTimeout);
        services.AddOrleansTasksFeeds();
        services.AddSingleton<OriginPolicy>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddSingleton<SocketServices>();
        services.AddSingleton<SlowConsumerWatch>();
        services.AddHostedService(provider => provider.GetRequiredService<SlowConsumerWatch>());
        services.AddHostedService<StartupReport>();
        services.AddRestRateLimits();
        services.AddOrleansTasksTelemetry(builder.Configuration);
        services.AddMetricsListener(builder.Configuration);
        services.AddCredentialRedaction();
        return builder;
    }

    public static WebApplication UseOrleansTasksGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        ObservedUpgrade.UseObservedUpgrades(app);
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseRestRateLimits();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Whether this gateway co-hosts a silo (<c>Gateway:Mode</c> is <c>Embedded</c>).</summary>
    public static bool IsEmbedded(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return (StartupSettings.Bind<GatewayOptions>(builder.Configuration, GatewayOptions.SectionName).Mode) == GatewayMode.Embedded;
    }

    private static void AddOrleans(WebApplicationBuilder builder)
    {
        if (builder.IsEmbedded())
        {
            builder.UseOrleans(silo => silo.AddOrleansTasksSilo(builder.Configuration));
        }
        else
        {
            var budget = StorageMode.GatewayBudget(builder.Configuration);
            builder.UseOrleansClient(client => client.AddOrleansTasksClient(builder.Configuration, budget, "gateway").AddDashboard());
            if (budget?.Uploads is { } uploads)
            {
                builder.Services.AddPooledUploads(uploads);
            }
            else
            {
                var tasks = StartupSettings.Bind<TasksOptions>(builder.Configuration, TasksOptions.SectionName);
                builder.Services.AddFileUploads(tasks);
            }
        }
    }

    private static void AddAuth(WebApplicationBuilder builder)
    {
        var settings = StartupSettings.Bind<AuthOptions>(builder.Configuration, AuthOptions.SectionName);
        var key = SigningKey.From(settings, builder.Environment.IsDevelopment());
        var fileUsers = UsersFile.Read(builder.Configuration);
        var services = builder.Services;
        services.PostConfigure<AuthOptions>(options => options.Users.AddRange(fileUsers));
        services.AddSingleton(new SigningKeyHolder(key));
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<SocketTickets>();
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, JwtSetup>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddAuthorization();
        services.AddOperatorCookieKeys(builder.Configuration);
        services.AddOperatorPages();
    }
}
