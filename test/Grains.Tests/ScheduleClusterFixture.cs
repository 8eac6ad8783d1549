using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using OrleansTasks.Hosting;
using OrleansTasks.Schedules;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// One in-process silo whose schedules read a clock the tests move. Reminders tick in real time
/// every two seconds, as they would on a quiet cluster; what they find due depends on the test's clock.
/// </summary>
public sealed class ScheduleClusterFixture : IAsyncLifetime
{
    // The silo's services are built from a configurator type, so the clock it shares with the
    // tests is reached through this slot, set before the cluster deploys.
    private static readonly AsyncLocal<FakeTimeProvider?> Deploying = new();

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public IClusterClient Client => Cluster.Client;

    /// <summary>The silo's faults: a test paces a collection's writes to keep its tasks going for as long as it needs.</summary>
    public FaultPlan Faults => ((InProcessSiloHandle)Cluster.Primary!).SiloHost.Services.GetRequiredService<FaultPlan>();

    public async ValueTask InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        Deploying.Value = Clock;
        await Cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // A test that failed before lifting its paces would leave its writes waiting through the stop.
            (Cluster?.Primary as InProcessSiloHandle)?.SiloHost.Services.GetService<FaultPlan>()?.LiftPaces();
            if (Cluster is not null)
            {
                await Cluster.StopAllSilosAsync();
            }
        }
        finally
        {
            if (Cluster is not null)
            {
                await Cluster.DisposeAsync();
            }
        }
    }

    /// <summary>Delivers a reminder tick to the schedule, as the reminder service does.</summary>
    public Task TickAsync(Guid scheduleId) =>
        Grains.GetGrain<IScheduleGrain>(scheduleId).AsReference<IRemindable>()
            .ReceiveReminder(ScheduleGrain.DueReminder, new TickStatus(Clock.GetUtcNow().UtcDateTime, TimeSpan.FromSeconds(2), Clock.GetUtcNow().UtcDateTime));

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Schedules:CheckPeriod"] = "00:00:02" })
                .Build();
            siloBuilder.AddOrleansTasks(configuration);
            siloBuilder.Services.AddFaultInjection();
            var clock = Deploying.Value ?? throw new InvalidOperationException("The schedule clock was not set before deploying.");
            siloBuilder.Services.AddKeyedSingleton<TimeProvider>(SchedulesOptions.ClockKey, clock);
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.AddMemoryStreams(TaskStreams.ProviderName);
    }
}
