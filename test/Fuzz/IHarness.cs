namespace OrleansTasks.Fuzz;

/// <summary>
/// One fuzzing target: code that reads bytes a client controls. <see cref="Run"/> returns for every
/// input the product answers as designed (accepted, or refused with its documented error) and throws
/// for anything else, which the fuzzer keeps as a crash.
/// </summary>
internal interface IHarness
{
    string Name { get; }

    /// <summary>What the harness feeds its input to, for <c>list</c>.</summary>
    string Covers { get; }

    /// <summary>An afl-fuzz dictionary under <c>dictionaries/</c> (tokens the input's format uses), or null.</summary>
    string? Dictionary => null;

    void Run(byte[] input);
}
