using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A gateway as production runs it (environment Production, an allowed origin, tight limits,
/// one source root, a small upload limit) with the things an attacker would aim at: another user's
/// task, batch and upload, and a bystander watching a task over a socket who must notice nothing.
/// </summary>
public sealed class SecurityMatrixFixture : IAsyncLifetime
{
    public const string AllowedOrigin = "https://app.example.com";
    public const string InternalSecret = "Password=hunter2 at /srv/orleans-tasks/internal";

    public GatewayFactory Gateway { get; private set; } = null!;

    public const int MaxUploadBytes = 64 * 1024;

    public string SourceRoot { get; } = Directory.CreateTempSubdirectory("orleans-tasks-roots-").FullName;

    public string UploadDirectory { get; } = Directory.CreateTempSubdirectory("orleans-tasks-matrix-uploads-").FullName;

    public Guid BobsTask { get; private set; }

    public Guid BobsBatch { get; private set; }

    public Guid BobsUpload { get; private set; }

    public Guid AlicesTask { get; private set; }

    public SocketClient Bystander { get; private set; } = null!;

    private long _lastBystanderPing;

    public async ValueTask InitializeAsync()
    {
        File.WriteAllText(Path.Combine(SourceRoot, "inside.md"), "inside the root");
        File.CreateSymbolicLink(Path.Combine(SourceRoot, "escape"), "/etc");
        File.CreateSymbolicLink(Path.Combine(SourceRoot, "loop-a"), "loop-b");
        File.CreateSymbolicLink(Path.Combine(SourceRoot, "loop-b"), "loop-a");
        Gateway = new GatewayFactory(
            new Dictionary<string, string?>
            {
                ["Gateway:AllowedOrigins:0"] = AllowedOrigin,
                ["Gateway:MaxConnectionsPerUser"] = "3",
                ["Gateway:RequestsPerSecond"] = "40",
                ["Gateway:RequestBurst"] = "60",
                ["Tasks:MaxRequestBytes"] = "65536",
                ["Tasks:MaxDocumentBytes"] = "1024",
                ["Tasks:MaxDocuments"] = "50",
                ["Tasks:SourceRoots:0"] = SourceRoot,
                ["Tasks:UploadDirectory"] = UploadDirectory,
                ["Tasks:MaxUploadBytes"] = MaxUploadBytes.ToString(CultureInfo.InvariantCulture),
            },
            environment: "Production",
            services: services => services.AddSingleton<IStartupFilter>(new FailingEndpoint()));

        using var bob = Gateway.CreateHttpClient(TestTokens.Bob);
        BobsTask = await TaskRequests.CreateAsync(bob, TaskRequests.Body(3));
        await TaskRequests.WaitForEndAsync(bob, BobsTask);
        (BobsBatch, _) = await BatchRequests.CreateAsync(bob, BatchRequests.Body(BatchRequests.Task("only", 2)));
        await BatchRequests.WaitForEndAsync(bob, BobsBatch);
        BobsUpload = await UploadRequests.UploadAsync(bob, "{\"id\":\"bobs-line\",\"content\":\"bob's own upload\"}\n"u8.ToArray());
        using var alice = Gateway.CreateHttpClient(TestTokens.Alice);
        AlicesTask = await TaskRequests.CreateAsync(alice, TaskRequests.Body(3));
        await TaskRequests.WaitForEndAsync(alice, AlicesTask);

        // The bystander's socket lives as long as the class: its token and the wait of the task it
        // watches outlast any run, however slow, so that neither ends the socket midway.
        var bystander = TestTokens.For("bystander", expires: DateTime.UtcNow.AddDays(1));
        using var client = Gateway.CreateHttpClient(bystander);
        var waiting = TaskRequests.Body(3);
        waiting["run_at"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O", CultureInfo.InvariantCulture);
        using var created = await client.PostAsJsonAsync("/api/tasks", waiting);
        var watched = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        Bystander = await SocketClient.ConnectAsync(Gateway.SocketUri($"/ws/task/{watched}", bystander));
        await Bystander.ReceiveAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Bystander.DisposeAsync();
        await Gateway.DisposeAsync();
        Directory.Delete(SourceRoot, recursive: true);
        Directory.Delete(UploadDirectory, recursive: true);
    }

    /// <summary>
    /// Everything an attack could have changed — every task as history lists it, the victims'
    /// state and every stored upload file — read through the grains and the upload store, so that
    /// the checks spend none of the users' rate limits.
    /// </summary>
    public async Task<string> StateAsync()
    {
        var grains = Gateway.Services.GetRequiredService<IGrainFactory>();
        var tasks = await grains.GetGrain<ITaskHistoryGrain>(0).List(new HistoryQuery(null, Limit: 200));
        var bobsTask = await grains.GetGrain<IIndexTaskGrain>(BobsTask).GetSnapshot();
        var bobsBatch = await grains.GetGrain<IBatchGrain>(BobsBatch).GetSnapshot();
        var bobsUpload = await Gateway.Services.GetRequiredService<Uploads.IUploadStore>().FindAsync(BobsUpload, CancellationToken.None);
        return string.Join("\n", tasks.Items.Select(task => $"{task.TaskId} {task.OwnerId} {task.Status} {task.Current} {task.UpdatedAt:O}"))
            + $"\nbob's task {bobsTask!.Status} {bobsTask.Seq}\nbob's batch {bobsBatch!.Status} {bobsBatch.Seq}"
            + $"\nbob's upload {bobsUpload?.OwnerId} {bobsUpload?.Completed} {bobsUpload?.Bytes} {bobsUpload?.Lines}"
            + $"\nupload files {string.Join(",", Directory.GetFiles(UploadDirectory).Order(StringComparer.Ordinal))}";
    }

    /// <summary>
    /// Whether the bystander is still served: its socket is open and, when the last ping is at
    /// least 100 ms old, it answers a new one with a pong within a second. Pings thus stay at ten
    /// a second, inside the socket's own message limit, however fast the rows run.
    /// </summary>
    public async Task<bool> BystanderAnswersAsync()
    {
        if (Bystander.Socket.State != System.Net.WebSockets.WebSocketState.Open)
        {
            return false;
        }

        if (System.Diagnostics.Stopwatch.GetElapsedTime(_lastBystanderPing) < TimeSpan.FromMilliseconds(100))
        {
            return true;
        }

        _lastBystanderPing = System.Diagnostics.Stopwatch.GetTimestamp();
        await Bystander.SendTextAsync("ping");
        return await Bystander.ReceiveAsync(TimeSpan.FromSeconds(1)) is { } answer && answer.GetProperty("type").GetString() == "pong";
    }

    /// <summary>A route that fails inside, the way a bug would, to show what an answer then gives away.</summary>
    private sealed class FailingEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((HttpContext context, RequestDelegate following) => context.Request.Path == "/api/test/failure"
                ? throw new InvalidOperationException("Database unreachable: " + InternalSecret)
                : following(context));
        };
    }
}
