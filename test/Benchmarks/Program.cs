using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Hosting;
namespace OrleansTasks.Benchmarks;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Measures how an index task grain answers while it indexes: snapshot and cancel latency during
        // a 10,000-document task, and indexing throughput. Run: dotnet run -c Release --project test/Benchmarks
        // With the argument "streams": task events through the streams of a PostgreSQL cluster.
        if (args is ["load", .. var options])
        {
            string? Option(string name) => options.SkipWhile(option => option != name).Skip(1).FirstOrDefault();
            string[] List(string name) => Option(name)?.Split(',') ?? [];
            return await Load.LoadProgram.RunAsync(
                options.Contains("--quick"), Option("--out") ?? "load-benchmark.json", List("--scenarios"), List("--servers"));
        }

        if (args is ["watchers", .. var watcherOptions])
        {
            return await Load.ServiceWatchers.RunAsync(watcherOptions.Contains("--quick"));
        }

        if (args is ["tasks", .. var taskOptions])
        {
            return await SmallTasks.TasksProgram.RunAsync(SmallTasks.TasksPlan.From(taskOptions));
        }

        if (args is [SmallTasks.HangfirePeerServer.Mode])
        {
            await SmallTasks.HangfirePeerServer.RunAsync();
            return 0;
        }

        if (args is ["serve", var kind, var port])
        {
            await Servers.ServerHosts.RunAsync(kind, int.Parse(port, CultureInfo.InvariantCulture));
            return 0;
        }

        if (args is ["streams", ..])
        {
            await StreamBenchmark.RunAsync();
            return 0;
        }

        if (args is ["search", .. var searchOptions])
        {
            string? Option(string name) => searchOptions.SkipWhile(option => option != name).Skip(1).FirstOrDefault();
            return await Search.SearchBenchmark.RunAsync(
                int.Parse(Option("--documents") ?? "1000000", CultureInfo.InvariantCulture),
                int.Parse(Option("--runs") ?? "5", CultureInfo.InvariantCulture),
                Option("--shared-buffers"));
        }

        if (args is ["corpus", .. var corpusOptions])
        {
            string? Option(string name) => corpusOptions.SkipWhile(option => option != name).Skip(1).FirstOrDefault();
            if (corpusOptions.Contains("--parallel"))
            {
                return await OrleansTasks.Benchmarks.Corpus.ParallelCorpusBenchmark.RunAsync(
                    int.Parse(Option("--tasks") ?? "4", CultureInfo.InvariantCulture),
                    int.Parse(Option("--silos") ?? "2", CultureInfo.InvariantCulture),
                    int.Parse(Option("--documents") ?? "250000", CultureInfo.InvariantCulture),
                    int.Parse(Option("--runs") ?? "2", CultureInfo.InvariantCulture),
                    int.Parse(Option("--words") ?? "130", CultureInfo.InvariantCulture));
            }

            if (corpusOptions.Contains("--profile"))
            {
                return await OrleansTasks.Benchmarks.Corpus.CorpusProfile.RunAsync(
                    int.Parse(Option("--documents") ?? "100000", CultureInfo.InvariantCulture),
                    int.Parse(Option("--runs") ?? "1", CultureInfo.InvariantCulture),
                    int.Parse(Option("--words") ?? "130", CultureInfo.InvariantCulture));
            }

            var largest = int.Parse(Option("--documents") ?? "1000000", CultureInfo.InvariantCulture);
            var sizes = Option("--sizes")?.Split(',').Select(size => int.Parse(size, CultureInfo.InvariantCulture)).ToArray() ?? [largest / 10, largest];
            return await OrleansTasks.Benchmarks.Corpus.CorpusBenchmark.RunAsync(
                sizes, int.Parse(Option("--runs") ?? "2", CultureInfo.InvariantCulture), int.Parse(Option("--words") ?? "130", CultureInfo.InvariantCulture),
                corpusOptions.Contains("--embedded"));
        }

        if (args is ["history", ..])
        {
            await HistoryBenchmark.RunAsync();
            return 0;
        }

        if (args is ["storm", .. var stormRounds])
        {
            return await StormProgram.RunAsync(stormRounds is [var count] ? int.Parse(count, CultureInfo.InvariantCulture) : 5);
        }

        if (args is ["faults", .. var faultArguments])
        {
            return await FaultsProgram.RunAsync(faultArguments);
        }

        if (args is ["reliability", .. var rounds])
        {
            await ReliabilityProgram.RunAsync(rounds is [var count] ? int.Parse(count, CultureInfo.InvariantCulture) : 20);
            return 0;
        }

        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = "21111",
            ["Cluster:GatewayPort"] = "40000",
        });
        builder.UseOrleans(silo => silo.AddOrleansTasksSilo(builder.Configuration));
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        var documents = SampleDocuments.Generate(10_000, wordsPerDocument: 300);
        Console.WriteLine($"documents: {documents.Length}, {documents.Sum(d => d.Content.Length) / 1024 / 1024} MiB of text");

        // Warm-up: JIT, Lucene and the storage grains.
        await Runs.RunToEndAsync(grains, SampleDocuments.Generate(500, 50, "warm"), "warmup");

        var throughput = await Runs.RunToEndAsync(grains, documents, "throughput");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"indexing: {documents.Length} documents in {throughput.TotalSeconds:F2} s = {documents.Length / throughput.TotalSeconds:F0} documents/s"));

        var snapshotLatencies = new List<double>();
        var cancelLatencies = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            var task = grains.GetGrain<IIndexTaskGrain>(Guid.NewGuid());
            await task.Start(new StartIndexTask("bench", "latency" + round, SampleDocuments.Generate(10_000, 300, "round" + round)));
            while ((await task.GetSnapshot())!.Current < 2000)
            {
                await Task.Delay(5);
            }

            for (var i = 0; i < 200; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await task.GetSnapshot();
                snapshotLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            var cancelStarted = Stopwatch.GetTimestamp();
            var outcome = await task.Cancel("service:benchmark");
            cancelLatencies.Add(Stopwatch.GetElapsedTime(cancelStarted).TotalMilliseconds);
            if (outcome != CancelOutcome.Cancelled)
            {
                Console.WriteLine($"round {round}: the task ended before it was cancelled ({outcome})");
            }
        }

        Console.WriteLine("GetSnapshot during a 10,000-document task: " + Stats.Describe(snapshotLatencies));
        Console.WriteLine("Cancel during a 10,000-document task:      " + Stats.Describe(cancelLatencies));
        Console.WriteLine("target: both under 100 ms");
        await host.StopAsync();
        return 0;
    }
}
