using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

public sealed class HostStartTests
{
    [Fact]
    public async Task A_run_whose_start_fails_has_failed_its_start_and_a_started_one_has_not()
    {
        var failing = new HostStart();
        using var broken = Host(services => services.AddHostedService<FailsToStart>());
        failing.Watch(broken);
        var started = new HostStart();
        using var working = Host(_ => { });
        started.Watch(working);

        await Assert.ThrowsAsync<InvalidOperationException>(() => broken.RunAsync(TestContext.Current.CancellationToken));
        await working.StartAsync(TestContext.Current.CancellationToken);

        Assert.True(failing.Failed);
        Assert.False(failing.StoppedWhileStarting);
        Assert.False(started.Failed);
        Assert.False(started.StoppedWhileStarting);
        await working.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void A_host_asked_to_stop_before_it_started_has_not_failed()
    {
        var start = new HostStart();
        using var host = Host(_ => { });
        start.Watch(host);

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.False(start.Failed);
        Assert.True(start.StoppedWhileStarting);
    }

    [Fact]
    public void Nothing_watched_has_neither_failed_nor_stopped() =>
        Assert.False(new HostStart().Failed || new HostStart().StoppedWhileStarting);

    [Fact]
    public void A_message_of_several_lines_is_told_in_one_and_an_empty_one_by_its_kind()
    {
        Assert.Equal(
            "Unable to configure HTTPS endpoint. No server certificate was specified.",
            HostStart.OneLine(new InvalidOperationException("Unable to configure HTTPS endpoint.\r\nNo server certificate was specified.\n")));
        Assert.Equal("InvalidOperationException", HostStart.OneLine(new InvalidOperationException("")));
    }

    /// <summary>A host with no console lifetime: the test runner's own signals are not its to handle.</summary>
    private static IHost Host(Action<IServiceCollection> services)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, NoLifetime>();
        services(builder.Services);
        return builder.Build();
    }

    private sealed class FailsToStart : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("The certificate cannot be read.");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class NoLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
