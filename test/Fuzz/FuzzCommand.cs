using System.Globalization;
using OrleansTasks.Fuzz.Harnesses;

namespace OrleansTasks.Fuzz;

/// <summary><c>dotnet run -c Release --project test/Fuzz -- HARNESS [--minutes N] | replay | list</c></summary>
internal static class FuzzCommand
{
    public static int Main(string[] args)
    {
        switch (args)
        {
            case ["replay"]:
                var failures = Replay.Run(AllHarnesses.List, out var inputs);
                failures.ToList().ForEach(Console.Error.WriteLine);
                Console.WriteLine($"replayed {inputs} inputs of {AllHarnesses.List.Count} harnesses: {failures.Count} failed");
                return failures.Count == 0 ? 0 : 1;
            case ["list"]:
                AllHarnesses.List.ToList().ForEach(harness => Console.WriteLine($"{harness.Name,-16} {harness.Covers}"));
                return 0;
            case [var name, "--target"]:
                return AflTarget.Run(name);
            case [var name, .. var options] when AllHarnesses.Find(name) is { } harness && Minutes(options) is { } minutes:
                return AflSession.Run(harness, minutes);
            default:
                Console.Error.WriteLine($"usage: HARNESS [--minutes N] | replay | list  (harnesses: {string.Join(", ", AllHarnesses.List.Select(h => h.Name))})");
                return 2;
        }
    }

    private static double? Minutes(string[] options) => options switch
    {
        [] => 5,
        ["--minutes", var value] when double.TryParse(value, CultureInfo.InvariantCulture, out var minutes) && minutes > 0 => minutes,
        _ => null,
    };
}
