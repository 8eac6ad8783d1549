using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using OrleansTasks.Benchmarks.Servers;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>A server under load, run as a child process of the generator (this program, in serve mode).</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    private ServerProcess(Process process, string kind, int port)
    {
        _process = process;
        Kind = kind;
        BaseUri = new Uri($"http://127.0.0.1:{port}");
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromMinutes(2) };
    }

    public string Kind { get; }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public static async Task<ServerProcess> StartAsync(string kind, params IReadOnlyDictionary<string, string>?[] settings)
    {
        var port = FreePorts.Next();
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ServerProcess).Assembly.Location);
        }

        foreach (var argument in new[] { "serve", kind, port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings.SelectMany(group => group ?? new Dictionary<string, string>()))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        // Every server runs with the GC the gateway ships with (server GC, as ASP.NET Core apps do).
        start.Environment["DOTNET_gcServer"] = Environment.GetEnvironmentVariable("BENCH_GCSERVER") ?? "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        var server = new ServerProcess(process, kind, port);
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line == LoadSettings.ReadyLine)
                {
                    _ = DrainAsync(process.StandardOutput);
                    return server;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            await server.DisposeAsync();
            throw Deadline.Exceeded(StartTimeout, $"the {kind} server to print '{LoadSettings.ReadyLine}'");
        }

        await server.DisposeAsync();
        throw new InvalidOperationException($"The {kind} server exited before it was ready.");
    }

    public async Task<Guid[]> CreateTopicsAsync(int count)
    {
        using var response = await Http.PostAsync($"/bench/topics?count={count}", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Guid[]>())!;
    }

    public async Task PublishAsync(IReadOnlyList<Guid> topics, int eventsPerSecond, TimeSpan duration)
    {
        using var response = await Http.PostAsJsonAsync(
            $"/bench/publish?rate={eventsPerSecond}&milliseconds={(int)duration.TotalMilliseconds}", topics);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>On the gateway: one real task for each owner given, in the same order.</summary>
    public async Task<Guid[]> CreateOwnedTasksAsync(IReadOnlyList<string> owners)
    {
        using var response = await Http.PostAsJsonAsync("/bench/owned-tasks", owners);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Guid[]>())!;
    }

    /// <summary>On the gateway: the tasks publish their changes on their owners' feeds for <paramref name="duration"/>.</summary>
    public async Task PublishOnOwnerFeedsAsync(IReadOnlyList<Guid> tasks, int changesPerSecond, TimeSpan duration)
    {
        using var response = await Http.PostAsJsonAsync(
            $"/bench/owner-publish?rate={changesPerSecond}&milliseconds={(int)duration.TotalMilliseconds}", tasks);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>On the gateway: the <c>seq</c> of each task's last change published on its owner's feed.</summary>
    public async Task<long[]> LastSeqsAsync(IReadOnlyList<Guid> tasks)
    {
        using var response = await Http.PostAsJsonAsync("/bench/owner-seqs", tasks);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<long[]>())!;
    }

    /// <summary>Processor time the server has used so far.</summary>
    public TimeSpan ProcessorTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    public async Task<GcReading> GcAsync() => (await Http.GetFromJsonAsync<GcReading>("/bench/gc"))!;

    /// <summary>Memory after a full collection in the server.</summary>
    public async Task<MemoryReading> MemoryAsync() => (await Http.GetFromJsonAsync<MemoryReading>("/bench/memory"))!;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    /// <summary>Reads and drops what the server writes after it is ready (it logs errors only), so that it never blocks on a full pipe.</summary>
    private static async Task DrainAsync(StreamReader output)
    {
        while (await output.ReadLineAsync() is not null)
        {
        }
    }
}
