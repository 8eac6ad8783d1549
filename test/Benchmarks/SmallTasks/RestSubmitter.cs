using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// Submits tasks with <c>POST /api/tasks</c> as a well-behaved client does: a 429 waits its
/// <c>Retry-After</c> and tries again (a refusal, not an error); any other answer but 202, or no
/// answer, is an error and is tried again after its <c>Retry-After</c> (else 1 s), up to five times,
/// under the same <c>Idempotency-Key</c> so that a retry cannot create a second task.
/// </summary>
internal sealed class RestSubmitter(HttpClient http)
{
    private const int MaxErrorsPerTask = 5;
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private int _errors;
    private int _refusals;

    public int Errors => _errors;

    public int Refusals => _refusals;

    /// <summary>
    /// The accepted task's id, or null when the task could not be submitted. With a <paramref name="priority"/>
    /// the body names it; a <paramref name="caller"/> stands in for the client's own token.
    /// </summary>
    public async Task<Guid?> SubmitAsync(string collection, TaskPriority? priority = null, AuthenticationHeaderValue? caller = null)
    {
        var body = Encoding.UTF8.GetBytes(SmallTaskDocuments.RestBody(collection, priority));
        var errors = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = Json;
            request.Headers.Add("Idempotency-Key", collection);
            if (caller is not null)
            {
                request.Headers.Authorization = caller;
            }
            TimeSpan wait;
            try
            {
                using var response = await http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                    return json.RootElement.GetProperty("task_id").GetGuid();
                }

                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref _refusals);
                    await Task.Delay(RetryAfter(response));
                    continue;
                }

                wait = RetryAfter(response);
            }
            catch (HttpRequestException)
            {
                wait = TimeSpan.FromSeconds(1);
            }

            Interlocked.Increment(ref _errors);
            if (++errors == MaxErrorsPerTask)
            {
                return null;
            }

            await Task.Delay(wait);
        }
    }

    private static TimeSpan RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
}
