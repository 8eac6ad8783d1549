namespace OrleansTasks.Fuzz;

/// <summary>Runs every harness over its kept corpus and crashers; any input that throws is a failure.</summary>
internal static class Replay
{
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(10);

    /// <summary>The failures, one line each (harness, file, exception), after replaying <paramref name="harnesses"/>; <paramref name="inputs"/> counts the inputs run.</summary>
    public static IReadOnlyList<string> Run(IEnumerable<IHarness> harnesses, out int inputs)
    {
        var failures = new List<string>();
        inputs = 0;
        foreach (var harness in harnesses)
        {
            foreach (var file in Inputs(harness.Name))
            {
                inputs++;
                var name = $"{harness.Name} {Path.GetRelativePath(FuzzPaths.Directory, file)}";
                var run = Task.Run(() => harness.Run(File.ReadAllBytes(file)));
                try
                {
                    // A hang is a failure too (an input that spins a read loop); its thread is left behind.
                    if (!run.Wait(PerInput))
                    {
                        failures.Add($"{name}: still running after {PerInput.TotalSeconds:0} s");
                    }
                }
                catch (AggregateException exception) when (exception.InnerException is { } inner and not OutOfMemoryException)
                {
                    failures.Add($"{name}: {inner.GetType().Name}: {inner.Message}");
                }
            }
        }

        return failures;
    }

    public static IEnumerable<string> Inputs(string harness) =>
        new[] { FuzzPaths.Corpus(harness), FuzzPaths.Crashers(harness) }
            .Where(System.IO.Directory.Exists)
            .SelectMany(directory => System.IO.Directory.EnumerateFiles(directory))
            .Where(file => !Path.GetFileName(file).StartsWith('.'))
            .Order(StringComparer.Ordinal);
}
