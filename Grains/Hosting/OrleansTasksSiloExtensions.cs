using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;
using OrleansTasks.History;
using OrleansTasks.Indexing;
using OrleansTasks.Schedules;
using OrleansTasks.Storage;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Storage.Faults;
using OrleansTasks.Tasks;
using OrleansTasks.Uploads;

namespace OrleansTasks.Hosting;

/// <summary>
/// The one silo configuration of OrleansTasks, used by the Silo host and by the gateway's embedded
/// mode alike, so that the two cannot drift apart. With <c>ConnectionStrings:OrleansTasks</c> set,
/// clustering, grain storage, stream subscriptions, reminders and the document index live in
/// PostgreSQL; without it everything is in memory on one silo.
/// </summary>
public static class OrleansTasksSiloExtensions
{
    /// <summary>Everything a silo of OrleansTasks needs: clustering, storage, streams, reminders and the grains' services.</summary>
    public static ISiloBuilder AddOrleansTasksSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var connection = ClusterConnection.From(configuration);
        var cluster = connection.Cluster;
        var budget = StorageMode.SiloBudget(configuration);
        if (budget is not null)
        {
            silo.Configure<ClusterOptions>(connection.ConfigureIdentity);
            silo.Configure<ClusterMembershipOptions>(FastFailureDetection.Apply);
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = StorageMode.AdoNetInvariant;
                options.ConnectionString = budget.Membership;
            });
            if (cluster.AdvertisedAddress is { Length: > 0 } advertised)
            {
                silo.ConfigureEndpoints(IPAddress.Parse(advertised), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
            }
            else
            {
                silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
            }
        }
        else
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        }

        if (connection.Tls is { } tls)
        {
            silo.UseTls(tls.Configure);
        }

        // Every silo runs the Orleans Dashboard's collectors; gateways serve its pages to operators.
        silo.AddDashboard();

        // Rolling upgrades: a call may go to an activation of the same or a newer interface
        // version, on any silo supporting one. Serialized types only ever gain fields ([Id]s are
        // never reused), so silos of two builds read each other's messages and state.
        silo.Configure<GrainVersioningOptions>(versioning =>
        {
            versioning.DefaultCompatibilityStrategy = nameof(Orleans.Versions.Compatibility.BackwardCompatible);
            versioning.DefaultVersionSelectorStrategy = nameof(Orleans.Versions.Selector.AllCompatibleVersions);
        });
        return silo.AddOrleansTasks(configuration, connection, budget);
    }

    /// <summary>The providers and services of OrleansTasks without clustering, for hosts (such as test clusters) that bring their own.</summary>
    public static ISiloBuilder AddOrleansTasks(this ISiloBuilder silo, IConfiguration configuration) =>
        silo.AddOrleansTasks(configuration, ClusterConnection.From(configuration), StorageMode.SiloBudget(configuration));

    private static ISiloBuilder AddOrleansTasks(this ISiloBuilder silo, IConfiguration configuration, ClusterConnection connection, ConnectionBudget? budget)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        silo.AddActivityPropagation();
        silo.AddIncomingGrainCallFilter<StorageFaultFilter>();
        var tasks = StartupSettings.Bind<TasksOptions>(configuration, TasksOptions.SectionName);
        tasks.CheckAtStart();
        if (budget is { Storage: { } storage, Index: { } index })
        {
            silo.AddAdoNetGrainStorage(StorageNames.Tasks, options =>
            {
                UsePostgres(options, storage);
                // State is cleared only when retention purges a task: remove its rows.
                options.DeleteStateOnClear = true;
            });
            silo.AddAdoNetGrainStorage(StorageNames.PubSub, options =>
            {
                UsePostgres(options, storage);
                // Subscriptions come and go with every socket: delete emptied rows rather than keep them.
                options.DeleteStateOnClear = true;
            });
            silo.UseAdoNetReminderService(options =>
            {
                options.Invariant = StorageMode.AdoNetInvariant;
                options.ConnectionString = storage;
            });

            // Provider exceptions have no codec on the other side of a grain call: storage and
            // reminder failures leave the providers as the product's exceptions, logged once there.
            silo.Services.Decorate<IGrainStorage>(StorageNames.Tasks, (inner, provider) => new StorageFaultBoundary(inner, FaultLogger(provider)));
            silo.Services.Decorate<IGrainStorage>(StorageNames.PubSub, (inner, provider) => new StorageFaultBoundary(inner, FaultLogger(provider)));
            silo.Services.Decorate<IReminderTable>(null, (inner, provider) => new ReminderTableFaultBoundary(inner, FaultLogger(provider)));
            silo.Services.AddLogging(logging =>
            {
                foreach (var category in StorageFaultBoundary.QuietCategories)
                {
                    logging.AddFilter(category, LogLevel.None);
                }
            });
            silo.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(index));
            silo.Services.AddConnectionBudgetReport(configuration, budget, "silo");
            silo.Services.TryAddSingleton<IDocumentIndex>(provider => new PostgresDocumentIndex(
                provider.GetRequiredService<NpgsqlDataSource>(),
                provider.GetRequiredService<ILogger<PostgresDocumentIndex>>(),
                provider.GetRequiredService<IOptions<TasksOptions>>().Value.IndexConnectionsPerTask));
            silo.Services.TryAddSingleton(provider => new GrainStorageResultChunks(
                TaskChunkStores.ResultRecords(provider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks))));
            silo.Services.TryAddSingleton<IResultChunks, PostgresResultChunks>();
            silo.Services.TryAddSingleton<ITaskHistory, PostgresTaskHistory>();
            silo.Services.AddSiloUploads();
            silo.Services.AddHostedService<TaskStatusCountsFolding>();
        }
        else
        {
            silo.AddMemoryGrainStorage(StorageNames.Tasks);
            silo.AddMemoryGrainStorage(StorageNames.PubSub);
            silo.UseInMemoryReminderService();
            silo.Services.AddEmbeddedIndex(tasks);
            silo.Services.TryAddSingleton<ITaskHistory, InMemoryTaskHistory>();
        }

        if (budget is null)
        {
            silo.Services.AddFileUploads(tasks);
        }

        // A task's stream goes quiet for good when the task ends: let the pulling agents drop it from
        // their caches soon instead of after Orleans' default half hour.
        var streams = TaskStreamSettings.From(configuration);
        silo.AddMemoryStreams(TaskStreams.ProviderName, provider =>
        {
            connection.ConfigureTaskStreams(provider);
            provider.ConfigurePullingAgent(agent => agent.Configure(options => streams.ConfigureAgent(options, tasks)));
        });
        silo.Services.Configure<StreamCacheEvictionOptions>(TaskStreams.ProviderName, streams.ConfigureCache);
        silo.Services.AddOrleansTasksGrainServices(configuration);
        silo.Services.AddHostedService<SingletonReminders>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StoppingSiloHandOn>();
        silo.Services.AddOptions<ReminderOptions>().Configure<IOptions<TasksOptions>, IOptions<SchedulesOptions>>((reminders, tasks, schedules) =>
            reminders.MinimumReminderPeriod = TimeSpan.FromTicks(Math.Min(
                reminders.MinimumReminderPeriod.Ticks, Math.Min(tasks.Value.LeasePeriod.Ticks, schedules.Value.CheckPeriod.Ticks))));
        return silo;
    }

    public static IServiceCollection AddOrleansTasksGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        TaskPolicySettings.Check(configuration);
        services.AddOptions<TasksOptions>()
            .Bind(configuration.GetSection(TasksOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddRenamedTaskSettings(configuration);
        StartupSettings.Read<SchedulesOptions>(configuration, SchedulesOptions.SectionName);
        services.AddOptions<SchedulesOptions>()
            .Bind(configuration.GetSection(SchedulesOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(SchedulesOptions.ClockKey, (provider, _) => provider.GetRequiredService<TimeProvider>());
        services.TryAddSingleton<IncrementalIndexer>();
        services.TryAddSingleton<DirectorySourceReader>();
        services.TryAddSingleton<Tasks.Sources.ISourceFileReader>(Tasks.Sources.SourceFileReader.Instance);
        services.TryAddSingleton<TaskChunkStores>();
        services.TryAddSingleton<TaskAdmission>();
        services.TryAddSingleton<ISiloStanding, SiloStanding>();
        services.TryAddSingleton<Diagnostics.TaskTelemetry>();

        // Measures the database (the index's pool) when there is one; in memory, never.
        services.TryAddSingleton<DatabaseRoundTrips>();
        services.TryAddSingleton<Tasks.SlowDatabaseSlices>();
        return services;
    }

    private static ILogger FaultLogger(IServiceProvider provider) =>
        provider.GetRequiredService<ILoggerFactory>().CreateLogger(StorageFaults.LogCategory);

    private static void UsePostgres(AdoNetGrainStorageOptions options, string connectionString)
    {
        options.Invariant = StorageMode.AdoNetInvariant;
        options.ConnectionString = connectionString;
    }
}
