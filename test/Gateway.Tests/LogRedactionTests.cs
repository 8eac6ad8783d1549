using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

public sealed class LogRedactionTests
{
    [Fact]
    public async Task No_token_or_ticket_from_a_url_reaches_any_log()
    {
        var capture = new CapturingLoggerProvider();
        await using var gateway = new GatewayFactory(
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Trace",
                ["Logging:LogLevel:Microsoft"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
                ["Logging:LogLevel:Orleans"] = "Trace",
                // Every level reaches the capture; the console keeps to warnings, or the run's output fills with traces.
                ["Logging:Console:LogLevel:Default"] = "Warning"
            },
            services: services => services.AddSingleton<ILoggerProvider>(capture));
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(20));
        await TaskRequests.WaitForEndAsync(alice, taskId);
        var expired = TestTokens.For("alice", expires: DateTime.UtcNow.AddMinutes(-5));
        using var ticketResponse = await alice.PostAsync("/api/ws-tickets", null);
        var ticket = (await ticketResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket").GetString()!;
        var secrets = new[] { TestTokens.Alice, expired, ticket, "not.a.token" };

        foreach (var query in new[] { $"token={TestTokens.Alice}", $"token={expired}", $"ticket={ticket}", "token=not.a.token" })
        {
            await using var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/ws/task/{taskId}?{query}"));
            await socket.ReceiveUntilClosedAsync();
        }

        using var anonymous = gateway.CreateHttpClient();
        using var inQuery = await anonymous.GetAsync($"/api/tasks?access_token={TestTokens.Alice}&token={expired}");
        // The last request's "finished" line is the last any of these requests writes.
        await Eventually.TrueAsync(() => capture.Entries.Any(e =>
            e.Contains("Request finished", StringComparison.Ordinal) && e.Contains("/api/tasks?access_token=", StringComparison.Ordinal)));
        var entries = capture.Entries;

        Assert.Contains(entries, e => e.Contains("/ws/task/", StringComparison.Ordinal) && e.Contains("[redacted]", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(entries, e => e.Contains(secret, StringComparison.Ordinal));
        }

        // The signature alone is the secret part of a JWT: it must not appear either.
        Assert.DoesNotContain(entries, e => e.Contains(TestTokens.Alice.Split('.')[2], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_provider_specific_log_level_applies_to_that_provider()
    {
        var capture = new CapturingLoggerProvider();
        await using var gateway = new GatewayFactory(
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
                [$"Logging:{typeof(CapturingLoggerProvider).FullName}:LogLevel:Default"] = "Warning",
            },
            services: services => services.AddSingleton<ILoggerProvider>(capture));
        using var anonymous = gateway.CreateHttpClient();

        using var response = await anonymous.GetAsync($"/api/tasks?token={TestTokens.Alice}");
        var entries = capture.Entries;

        // The start-up report warns in Development: the capture is wired, and keeps to warnings.
        Assert.Contains(entries, e => e.Contains("StartupReport [Warning]", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Contains("[Information]", StringComparison.Ordinal) || e.Contains("[Debug]", StringComparison.Ordinal) || e.Contains("[Trace]", StringComparison.Ordinal));
    }
}
