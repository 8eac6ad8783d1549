using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The refusals of a retry that the tests beside them do not reach: a directory-source task whose directory
/// is gone, alone and in a batch, a task whose stored documents are gone, and a batch that is unknown,
/// another user's or not ended.
/// </summary>
public sealed partial class RetryApiTests
{
    /// <summary>A batch task over a new directory of <paramref name="files"/> Markdown files under the gateway's source root; returns the task and the directory.</summary>
    private (JsonObject Task, string Directory) SourceTask(string reference, int files)
    {
        var directory = Directory.CreateDirectory(Path.Combine(gateway.SourceRoot, reference + "-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        for (var i = 0; i < files; i++)
        {
            File.WriteAllText(Path.Combine(directory, $"file-{i}.md"), TaskRequests.Content(i, 30));
        }

        var task = new JsonObject
        {
            ["ref"] = reference,
            ["collection"] = NewCollection(),
            ["source"] = new JsonObject { ["directory"] = directory, ["pattern"] = "*.md" },
        };
        return (task, directory);
    }

    /// <summary>Creates the batch with every task's collection refusing its first write, and waits for it to fail.</summary>
    private async Task<(Guid BatchId, Dictionary<string, Guid> Tasks)> FailedBatchAsync(HttpClient alice, params JsonObject[] tasks)
    {
        foreach (var task in tasks)
        {
            gateway.Faults.RefuseIndex(task["collection"]!.GetValue<string>());
        }

        var (batchId, ids) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(tasks));
        Assert.Equal("failed", (await BatchRequests.WaitForEndAsync(alice, batchId)).GetProperty("status").GetString());
        return (batchId, ids);
    }

    [Fact]
    public async Task A_batch_retry_leaves_out_a_task_whose_source_directory_is_gone_and_retries_the_others()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (files, directory) = SourceTask("files", 3);
        var (batchId, tasks) = await FailedBatchAsync(alice, BatchRequests.Task("docs", 10), files);
        Directory.Delete(directory, recursive: true);

        // Alone, the source task's retry is refused as a new task over that directory would be.
        var (single, problem) = await PostAsync(alice, $"/api/tasks/{tasks["files"]}/retry");
        var (response, body) = await PostAsync(alice, $"/api/batches/{batchId}/retry");

        Assert.True(single.StatusCode == HttpStatusCode.Conflict, $"{(int)single.StatusCode} {problem}");
        Assert.Equal("Retry not created", problem.GetProperty("title").GetString());
        Assert.Contains("does not exist", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"the batch retry answered {(int)response.StatusCode} {body}");
        var retryId = body.GetProperty("batch_id").GetGuid();
        var retried = Assert.Single(body.GetProperty("tasks").EnumerateArray());
        Assert.Equal("docs", retried.GetProperty("ref").GetString());
        var end = await BatchRequests.WaitForEndAsync(alice, retryId);
        Assert.Equal(("completed", batchId), (end.GetProperty("status").GetString(), end.GetProperty("retry_of").GetGuid()));
        Assert.Equal(retryId, (await BatchRequests.GetAsync(alice, batchId)).GetProperty("retried_by").GetGuid());
        Assert.Equal(retried.GetProperty("task_id").GetGuid(), (await TaskRequests.GetAsync(alice, tasks["docs"])).GetProperty("retried_by").GetGuid());
        Assert.False((await TaskRequests.GetAsync(alice, tasks["files"])).TryGetProperty("retried_by", out _), "the task left out was linked");

        // The batch's retry was made whole: asked again, it names it.
        var (again, conflict) = await PostAsync(alice, $"/api/batches/{batchId}/retry");
        Assert.Equal((HttpStatusCode.Conflict, retryId), (again.StatusCode, conflict.GetProperty("retried_by").GetGuid()));
    }

    [Fact]
    public async Task A_task_whose_stored_documents_are_gone_answers_410_and_nothing_is_created()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        // More than one chunk of documents (TaskDocuments.MaxChunkDocuments), so that the retry reads a chunk from storage.
        var original = await FailedTaskAsync(alice, documents: TaskDocuments.MaxChunkDocuments + 100);
        var chunks = gateway.Services.GetRequiredService<TaskChunkStores>().Documents;
        await chunks.DeleteAsync(original, 0);
        await chunks.DeleteAsync(original, 1);

        var (response, problem) = await PostAsync(alice, $"/api/tasks/{original}/retry");

        Assert.True(response.StatusCode == HttpStatusCode.Gone, $"{(int)response.StatusCode} {problem}");
        Assert.Equal(("application/problem+json", 410), (response.MediaType, problem.GetProperty("status").GetInt32()));
        Assert.Equal(
            ("Documents no longer stored", "The documents to retry are no longer stored; create a new task with them instead."),
            (problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString()));
        Assert.Null(response.Location);
        Assert.False((await TaskRequests.GetAsync(alice, original)).TryGetProperty("retried_by", out var link), $"a refused retry linked the task: {link}");
        using var retry = await alice.GetAsync($"/api/tasks/{TaskRetries.IdOf(original)}");
        Assert.Equal(HttpStatusCode.NotFound, retry.StatusCode);
    }

    [Fact]
    public async Task A_batch_retry_is_refused_for_an_unknown_or_foreign_batch_one_not_ended_and_one_whose_every_task_is_refused()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        var later = await TaskRequests.CreateAsync(alice, Waiting(3));
        var waiting = BatchRequests.Task("after-later", 3);
        waiting["depends_on"] = new JsonArray { later.ToString() };
        var (unended, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(waiting));
        var (files, directory) = SourceTask("files", 2);
        var (unreadable, _) = await FailedBatchAsync(alice, files);
        Directory.Delete(directory, recursive: true);

        var cases = new List<(string Why, HttpClient Client, string Path, HttpStatusCode Status, string Title)>
        {
            ("unknown batch", alice, $"/api/batches/{Guid.NewGuid()}/retry", HttpStatusCode.NotFound, "Batch not found"),
            ("malformed id", alice, "/api/batches/not-a-guid/retry", HttpStatusCode.NotFound, "Batch not found"),
            ("another user's batch", bob, $"/api/batches/{unreadable}/retry", HttpStatusCode.NotFound, "Batch not found"),
            ("batch not ended", alice, $"/api/batches/{unended}/retry", HttpStatusCode.Conflict, "The batch has not ended"),
            ("every task's own retry refused", alice, $"/api/batches/{unreadable}/retry", HttpStatusCode.Conflict, "Nothing to retry"),
        };
        foreach (var (why, client, path, status, title) in cases)
        {
            var (response, problem) = await PostAsync(client, path);
            Assert.True(response.StatusCode == status, $"{why}: {(int)response.StatusCode} {problem}");
            Assert.Equal(("application/problem+json", title), (response.MediaType, problem.GetProperty("title").GetString()));
        }

        Assert.False((await BatchRequests.GetAsync(alice, unreadable)).TryGetProperty("retried_by", out _), "a refused retry linked the batch");
        Assert.DoesNotContain((await BatchRequests.GetAsync(alice, unended)).GetProperty("status").GetString(), new[] { "completed", "failed", "cancelled" });
        await alice.PostAsync($"/api/batches/{unended}/cancel", null);
        await alice.PostAsync($"/api/tasks/{later}/cancel", null);
    }
}
