namespace OrleansTasks.Fuzz;

/// <summary>Runs every harness over its kept corpus and crashers; any input that throws is a failure.</summary>
internal static class Replay
{
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
                try
                {
                    harness.Run(File.ReadAllBytes(file));
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    failures.Add($"{harness.Name} {Path.GetRelativePath(FuzzPaths.Directory, file)}: {exception.GetType().Name}: {exception.Message}");
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
