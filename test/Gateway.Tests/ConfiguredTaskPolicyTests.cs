using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// An embedded gateway whose silo reads a retry policy (3 attempts, 0.2 s ×1.5 up to 0.4 s) and a default
/// time limit (6 s) from configuration, and whose index fails or slows down where a test says.
/// </summary>
public sealed class ConfiguredPolicyGateway() : GatewayFactory(
    new Dictionary<string, string?>
    {
        ["Tasks:Retry:MaxAttempts"] = "3",
        ["Tasks:Retry:InitialInterval"] = "00:00:00.200",
        ["Tasks:Retry:Backoff"] = "1.5",
        ["Tasks:Retry:MaxInterval"] = "00:00:00.400",
        // Longer than the retried task's three attempts take even on a loaded machine, which must end by its attempts.
        ["Tasks:DefaultTimeout"] = "00:00:06",
    },
    services: services => services.AddFaultInjection())
{
    public FaultPlan Faults => Services.GetRequiredService<FaultPlan>();

    public override async ValueTask DisposeAsync()
    {
        Faults.LiftPaces();
        await base.DisposeAsync();
    }
}

/// <summary>
/// <c>Tasks:Retry:*</c> and <c>Tasks:DefaultTimeout</c> reach, in a running silo, a task that gives no
/// <c>retry</c> or <c>timeout</c> of its own; <c>"timeout": "none"</c> opts out of the default.
/// </summary>
public sealed class ConfiguredTaskPolicyTests(ConfiguredPolicyGateway gateway) : IClassFixture<ConfiguredPolicyGateway>
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(6);

    private static DateTimeOffset Time(JsonElement value) => DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture);

    private static TimeSpan RunTime(JsonElement task) => Time(task.GetProperty("finished_at")) - Time(task.GetProperty("started_at"));

    [Fact]
    public async Task A_task_without_a_retry_policy_is_retried_as_configured_and_fails_after_the_configured_attempts()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(10);
        var fault = gateway.Faults.FailIndex(body["collection"]!.GetValue<string>(), times: 1000);

        var taskId = await TaskRequests.CreateAsync(client, body);
        var task = await TaskRequests.WaitForEndAsync(client, taskId);
        fault.Stop();

        var retry = task.GetProperty("retry");
        Assert.Equal((3, "PT0.2S", 1.5, "PT0.4S"), (
            retry.GetProperty("max_attempts").GetInt32(),
            retry.GetProperty("initial_interval").GetString(),
            retry.GetProperty("backoff").GetDouble(),
            retry.GetProperty("max_interval").GetString()));
        Assert.Equal(("failed", "retries_exhausted"), (task.GetProperty("status").GetString(), task.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal(3, fault.Injected);

        // Two waits: 0.2 s, then 0.3 s, each up to a quarter longer; the built-in defaults would wait at least 1 s, then 2 s.
        Assert.InRange(RunTime(task), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(1));
        Assert.Equal("PT6S", task.GetProperty("timeout").GetString());
    }

    [Fact]
    public async Task A_task_without_a_time_limit_fails_with_timeout_after_the_configured_default()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(200);
        gateway.Faults.PaceIndex(body["collection"]!.GetValue<string>(), TimeSpan.FromMilliseconds(100));

        var taskId = await TaskRequests.CreateAsync(client, body);
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice));
        var messages = await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(60));

        var end = Assert.Single(messages, m => MessageAssert.Type(m) is "complete" or "error" or "cancelled");
        MessageAssert.IsError(end, taskId);
        Assert.Equal("timeout", end.GetProperty("details").GetProperty("code").GetString());
        var task = await TaskRequests.GetAsync(client, taskId);
        Assert.Equal(("failed", "timeout", "PT6S"), (
            task.GetProperty("status").GetString(), task.GetProperty("error").GetProperty("code").GetString(), task.GetProperty("timeout").GetString()));
        Assert.InRange(RunTime(task), DefaultTimeout, DefaultTimeout + TimeSpan.FromSeconds(3));
        Assert.InRange(task.GetProperty("current").GetInt32(), 1, 199);
    }

    [Fact]
    public async Task A_task_whose_timeout_is_none_runs_past_the_default_limit_to_its_end()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(100);
        body["timeout"] = "none";
        gateway.Faults.PaceIndex(body["collection"]!.GetValue<string>(), TimeSpan.FromMilliseconds(100));

        var taskId = await TaskRequests.CreateAsync(client, body);
        var task = await TaskRequests.WaitForEndAsync(client, taskId);

        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(100, task.GetProperty("counts").GetProperty("indexed").GetInt32());
        Assert.True(RunTime(task) > DefaultTimeout, $"the task ran {RunTime(task)}, not past the default limit of {DefaultTimeout}");
        Assert.False(task.TryGetProperty("timeout", out var timeout), $"a task without a limit shows one: {timeout}");
    }

    [Fact]
    public async Task A_batch_task_whose_timeout_is_none_has_no_limit_while_its_sibling_takes_the_default()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var unlimited = BatchRequests.Task("unlimited", 3);
        unlimited["timeout"] = "none";
        var (_, tasks) = await BatchRequests.CreateAsync(client, BatchRequests.Body(unlimited, BatchRequests.Task("bounded", 3)));

        var none = await TaskRequests.WaitForEndAsync(client, tasks["unlimited"]);
        var bounded = await TaskRequests.WaitForEndAsync(client, tasks["bounded"]);

        Assert.False(none.TryGetProperty("timeout", out var timeout), $"a batch task asking for no limit shows one: {timeout}");
        Assert.Equal("PT6S", bounded.GetProperty("timeout").GetString());
    }

    [Theory]
    [InlineData("None")]
    [InlineData("never")]
    [InlineData("")]
    [InlineData("PT")]
    public async Task Any_other_timeout_that_is_not_an_iso_8601_duration_is_refused_with_400_naming_the_field_and_nothing_is_created(string timeout)
    {
        using var client = gateway.CreateHttpClient(TestTokens.For("user-" + Guid.NewGuid().ToString("N")[..8]));
        var body = TaskRequests.Body(3);
        body["timeout"] = timeout;

        using var response = await client.PostAsJsonAsync("/api/tasks", body);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var tasks = await client.GetFromJsonAsync<JsonElement>("/api/tasks");

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "'timeout' is an ISO 8601 duration such as \"PT30S\", \"PT30M\" or \"P1D\", or \"none\" for no limit.",
            Assert.Single(problem.GetProperty("errors").GetProperty("timeout").EnumerateArray()).GetString());
        Assert.Null(response.Headers.Location);
        Assert.Equal(0, tasks.GetProperty("items").GetArrayLength());
    }
}
