using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Sends requests as a well-behaved client does (a 429 or 503 is retried after its <c>Retry-After</c>)
/// and counts every answer by status, noting any that breaks the contract: a 5xx other than a 503
/// with <c>Retry-After</c>, or a 429/503 without it.
/// </summary>
internal sealed class RequestTally(HttpClient http)
{
    private readonly ConcurrentDictionary<int, int> _answers = new();
    private readonly ConcurrentQueue<string> _violations = new();

    public IReadOnlyDictionary<int, int> Answers => _answers;

    public IReadOnlyCollection<string> Violations => _violations;

    public int Count(HttpStatusCode status) => _answers.GetValueOrDefault((int)status);

    public int Total => _answers.Values.Sum();

    /// <summary>POSTs <paramref name="body"/> until it is answered with something other than 429 or 503; returns that answer.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, JsonObject body, CancellationToken cancellationToken) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }, cancellationToken);

    /// <inheritdoc cref="PostAsync"/>
    public Task<HttpResponseMessage> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var message = request();
            var response = await http.SendAsync(message, cancellationToken);
            var status = (int)response.StatusCode;
            _answers.AddOrUpdate(status, 1, (_, count) => count + 1);
            var retryAfter = response.Headers.RetryAfter?.Delta;
            if (status >= 500 && !(status == 503 && retryAfter is not null))
            {
                _violations.Enqueue($"{message.Method} {message.RequestUri} answered {status}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
            {
                return response;
            }

            response.Dispose();
            if (retryAfter is null)
            {
                _violations.Enqueue($"{message.Method} {message.RequestUri} answered {status} without Retry-After");
            }

            await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1), cancellationToken);
        }
    }
}
