using System.Reflection;

namespace OrleansTasks.Fuzz;

/// <summary>Where a harness's kept inputs live: <c>corpus/NAME</c> (seeds) and <c>crashers/NAME</c> (every crash found, kept as a regression).</summary>
internal static class FuzzPaths
{
    public static string Directory { get; } = typeof(FuzzPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "FuzzDirectory").Value!;

    public static string Corpus(string harness) => Path.Combine(Directory, "corpus", harness);

    public static string Crashers(string harness) => Path.Combine(Directory, "crashers", harness);
}
