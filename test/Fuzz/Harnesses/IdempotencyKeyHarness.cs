using System.Text;
using OrleansTasks.Gateway.Apis;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>
/// An <c>Idempotency-Key</c> header as the create and run-now endpoints read it: a key of the
/// documented form (1–255 visible ASCII characters) goes to its grain, any other is refused before any
/// grain is asked for, and the id a run now derives from a key is the same for the same key and
/// scope and differs across scopes.
/// </summary>
internal sealed class IdempotencyKeyHarness : IHarness
{
    public string Name => "idempotency-key";

    public string Covers => "IdempotentCreate (ClaimAsync before its grain call, RequestId) over any Idempotency-Key header value";

    public void Run(byte[] input)
    {
        var key = Encoding.UTF8.GetString(input);
        var documented = key.Length is >= 1 and <= 255 && key.All(c => c is >= '!' and <= '~');
        var (factory, recorder) = RecordingGrainFactory.Create();
        IdempotentCreate? claim = null;
        try
        {
            claim = IdempotentCreate.ClaimAsync(key, factory, "fuzz", "task:", "fingerprint").GetAwaiter().GetResult();
        }
        catch (GrainCallRefusedException)
        {
        }

        var asked = recorder.Calls.Count > 0;
        if (asked != documented)
        {
            throw new InvalidOperationException($"The key '{key}' ({(documented ? "of" : "not of")} the documented form) {(asked ? "went" : "did not go")} to its grain.");
        }

        if (key.Length > 0 && !documented && claim?.Invalid is null)
        {
            throw new InvalidOperationException($"The malformed key '{key}' was not refused.");
        }

        var id = IdempotentCreate.RequestId(key, "fuzz", "run:");
        if ((id is null) != (key.Length > 0 && !documented))
        {
            throw new InvalidOperationException($"Run now took the key '{key}' as {(id is null ? "malformed" : "valid")}.");
        }

        if (documented && (id != IdempotentCreate.RequestId(key, "fuzz", "run:") || id == IdempotentCreate.RequestId(key, "fuzz", "other:")))
        {
            throw new InvalidOperationException($"Run now's id for the key '{key}' is not a function of the key and its scope.");
        }
    }
}
