using OrleansTasks.Fuzz.Harnesses;
using SharpFuzz;

namespace OrleansTasks.Fuzz;

/// <summary>
/// The process afl-fuzz runs: one harness in SharpFuzz's persistent loop, reading each input afl-fuzz
/// hands it. Nothing instrumented may run before the loop has attached to afl-fuzz's coverage map, so
/// the harness (and every static it touches) is created inside the loop.
/// </summary>
internal static class AflTarget
{
    public static int Run(string harnessName)
    {
        IHarness? harness = null;
        Fuzzer.Run(stream =>
        {
            harness ??= AllHarnesses.Find(harnessName) ?? throw new ArgumentException($"No harness '{harnessName}'.", nameof(harnessName));
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            harness.Run(buffer.ToArray());
        });
        return 0;
    }
}
