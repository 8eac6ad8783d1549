using System.Collections.Concurrent;
using System.Diagnostics;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task The_prometheus_endpoint_shows_sockets_messages_tasks_documents_and_orleans_metrics()
    {
        await using var gateway = new GatewayFactory();
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(500));
        await using (var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice)))
        {
            await socket.ReceiveUntilClosedAsync();
        }

        using var anonymous = gateway.CreateHttpClient();
        string metrics = "";
        await Eventually.TrueAsync(async () =>
        {
            metrics = await anonymous.GetStringAsync("/metrics");
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
