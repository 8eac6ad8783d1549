using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansTasks.History;
using OrleansTasks.Hosting;
using OrleansTasks.Schedules;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// One in-process silo whose task storage, reminders, index and history fail where a test's
/// <see cref="FaultPlan"/> says. Leases tick every second and a task or batch reserves only a few
/// <c>seq</c> values per write, so that the paths a failed write takes are reached quickly.
/// Schedules read a clock the tests move; their reminder ticks are delivered by the tests. Directory
/// sources are read under <see cref="SourceRoot"/>.
/// </summary>
public sealed class FaultClusterFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The silo's source root (<c>Tasks:SourceRoots</c>): tests read directory sources under it.</summary>
    public static readonly string SourceRoot = Directory.CreateTempSubdirectory("orleans-tasks-fault-sources-").FullName;

    public TestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public IServiceProvider SiloServices => ((InProcessSiloHandle)Cluster.Primary!).SiloHost.Services;

    public FaultPlan Faults => SiloServices.GetRequiredService<FaultPlan>();

    public FakeTimeProvider ScheduleClock => (FakeTimeProvider)SiloServices.GetRequiredKeyedService<TimeProvider>(SchedulesOptions.ClockKey);

    public IGrainStorage TaskStorage => SiloServices.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks);

    public ITaskHistory History => SiloServices.GetRequiredService<ITaskHistory>();

    public IReminderTable Reminders => SiloServices.GetRequiredService<IReminderTable>();

    public async ValueTask InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(SourceRoot, recursive: true);
    }

    /// <summary>What storage holds for <paramref name="grain"/>'s state <paramref name="stateName"/>.</summary>
    public async Task<T> StoredAsync<T>(string stateName, GrainId grain)
        where T : new()
    {
        var stored = new GrainState<T>(new T());
        await TaskStorage.ReadStateAsync(stateName, grain, stored);
        return stored.State ?? new T();
    }

    /// <summary>Delivers a reminder tick to the schedule, as the reminder service does.</summary>
    public Task TickAsync(Guid scheduleId) =>
        Client.GetGrain<IScheduleGrain>(scheduleId).AsReference<IRemindable>()
            .ReceiveReminder(ScheduleGrain.DueReminder, new TickStatus(ScheduleClock.GetUtcNow().UtcDateTime, TimeSpan.FromSeconds(2), ScheduleClock.GetUtcNow().UtcDateTime));

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Tasks:LeasePeriod"] = "00:00:01",
                    ["Tasks:ProgressEventsPerSecond"] = "50",
                    ["Tasks:SeqReservation"] = "4",
                    ["Tasks:CheckpointInterval"] = "00:00:00.100",
                    ["Tasks:CreationRetryWindow"] = "00:00:05",
                    ["Schedules:CheckPeriod"] = "00:10:00",
                    ["Tasks:SourceRoots:0"] = SourceRoot,
                })
                .Build();
            siloBuilder.AddOrleansTasks(configuration);
            siloBuilder.Services.AddKeyedSingleton<TimeProvider>(SchedulesOptions.ClockKey, new FakeTimeProvider(Start));
            siloBuilder.Services.AddFaultInjection();
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.AddMemoryStreams(TaskStreams.ProviderName);
    }
}

[CollectionDefinition(Name)]
public sealed class FaultClusterCollection : ICollectionFixture<FaultClusterFixture>
{
    public const string Name = "faults";
}
