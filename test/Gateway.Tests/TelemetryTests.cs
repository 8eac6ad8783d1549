using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

public sealed class TelemetryTests
{
    private static GatewayFactory WithMetricsListener(out Uri metricsAddress, Action<IServiceCollection>? services = null)
    {
        var port = FreePorts.Next();
        metricsAddress = new Uri($"http://127.0.0.1:{port}");
        return new GatewayFactory(new Dictionary<string, string?> { ["Gateway:MetricsUrls"] = metricsAddress.ToString() }, services: services);
    }

    [Fact]
    public async Task A_failed_task_is_counted_ended_with_its_error_code()
    {
        await using var gateway = WithMetricsListener(out var metricsAddress, services => services.AddFaultInjection());
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(10);
        body["retry"] = new System.Text.Json.Nodes.JsonObject { ["max_attempts"] = 2, ["initial_interval"] = "PT0.2S" };
        gateway.Services.GetRequiredService<FaultPlan>().FailIndex(body["collection"]!.GetValue<string>(), times: 1000);
        var taskId = await TaskRequests.CreateAsync(alice, body);
        Assert.Equal("failed", (await TaskRequests.WaitForEndAsync(alice, taskId)).GetProperty("status").GetString());

        using var scraper = new HttpClient { BaseAddress = metricsAddress };
        await Eventually.TrueAsync("the failed task's count, coded retries_exhausted, in /metrics", async () =>
            (await scraper.GetStringAsync("/metrics")).Split('\n').Any(line =>
                line.StartsWith("orleans_tasks_tasks_ended_total{", StringComparison.Ordinal)
                && line.Contains("code=\"retries_exhausted\"", StringComparison.Ordinal)
                && line.Contains("status=\"failed\"", StringComparison.Ordinal)
                && System.Text.RegularExpressions.Regex.IsMatch(line, "\\} 1( |$)")));
    }

    [Fact]
    public async Task The_prometheus_endpoint_shows_sockets_messages_tasks_documents_and_orleans_metrics()
    {
        await using var gateway = WithMetricsListener(out var metricsAddress);
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(500));
        await using (var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice)))
        {
            await socket.ReceiveUntilClosedAsync();
        }

        using var scraper = new HttpClient { BaseAddress = metricsAddress };
        string metrics = "";
        await Eventually.TrueAsync(async () =>
        {
            metrics = await scraper.GetStringAsync("/metrics");
            return metrics.Contains("orleans_tasks_tasks_ended_total{", StringComparison.Ordinal);
        });

        foreach (var expected in new[]
        {
            "orleans_tasks_gateway_websocket_connections",
            "orleans_tasks_gateway_stream_subscriptions",
            "orleans_tasks_gateway_send_backlog",
            "orleans_tasks_gateway_messages_sent_total{otel_scope_name=\"OrleansTasks.Gateway\",type=\"connected\"}",
            "orleans_tasks_gateway_messages_sent_total{otel_scope_name=\"OrleansTasks.Gateway\",type=\"terminal\"}",
            "orleans_tasks_tasks_ended_total{otel_scope_name=\"OrleansTasks.Tasks\",status=\"completed\"}",
            "orleans_tasks_documents_processed_total{otel_scope_name=\"OrleansTasks.Tasks\",outcome=\"indexed\"}",
            "orleans_tasks_task_duration_seconds_bucket",
            "orleans_tasks_tasks_running",
            "orleans_tasks_tasks_queued",
            "http_server_request_duration_seconds",
        })
        {
            Assert.True(metrics.Contains(expected, StringComparison.Ordinal), $"'{expected}' is missing from /metrics");
        }

        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("orleans_", StringComparison.Ordinal) && !line.StartsWith("orleans_tasks", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_are_answered_on_the_metrics_listener_only_and_it_answers_nothing_else()
    {
        await using var gateway = WithMetricsListener(out var metricsAddress);
        using var anonymous = gateway.CreateHttpClient();
        using var scraper = new HttpClient { BaseAddress = metricsAddress };

        using var onListener = await scraper.GetAsync("/metrics");
        using var onPublicPort = await anonymous.GetAsync("/metrics");
        using var spoofedHost = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Host = metricsAddress.Authority } };
        using var onPublicPortAsListener = await anonymous.SendAsync(spoofedHost);
        using var apiOnListener = await scraper.GetAsync("/api/tasks");
        using var pageOnListener = await scraper.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, onListener.StatusCode);
        Assert.Contains("orleans_tasks_gateway_websocket_connections", await onListener.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, onPublicPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, onPublicPortAsListener.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, apiOnListener.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, pageOnListener.StatusCode);
    }

    [Fact]
    public async Task Without_a_metrics_listener_the_public_port_does_not_answer_metrics_and_nothing_collects_them()
    {
        await using var gateway = new GatewayFactory();
        using var anonymous = gateway.CreateHttpClient();

        using var metrics = await anonymous.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Null(gateway.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task A_trace_runs_from_the_rest_request_through_the_grain_call_to_the_indexer()
    {
        var activities = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "OrleansTasks.Indexing" or "Microsoft.Orleans.Application" or "Microsoft.Orleans.Runtime",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var gateway = new GatewayFactory();
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(20));
        await TaskRequests.WaitForEndAsync(alice, taskId);

        var indexing = activities.First(a => a.Source.Name == "OrleansTasks.Indexing" && (Guid?)a.GetTagItem("orleans_tasks.task_id") == taskId);
        var trace = activities.Where(a => a.TraceId == indexing.TraceId).ToList();
        Assert.True(trace.Count(a => a.OperationName == "Microsoft.AspNetCore.Hosting.HttpRequestIn") == 1,
            string.Join("\n", activities.Select(a => $"{a.TraceId} {a.ParentSpanId} {a.SpanId} {a.Source.Name} {a.DisplayName}")));
        Assert.Contains(trace, a => a.Source.Name.StartsWith("Microsoft.Orleans.", StringComparison.Ordinal) && a.DisplayName.Contains("IIndexTaskGrain/Start", StringComparison.Ordinal));
    }
}
