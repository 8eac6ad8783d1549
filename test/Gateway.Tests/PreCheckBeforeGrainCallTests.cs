using OrleansTasks.Gateway.Apis;
using OrleansTasks.Fuzz;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Credentials and keys a client makes up are refused on their form, before any grain is asked for:
/// a flood of made-up tickets or malformed Idempotency-Keys activates nothing in the cluster.
/// </summary>
public sealed class PreCheckBeforeGrainCallTests
{
    private const string IssuedForm = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    public static TheoryData<string> MadeUpTickets => new()
    {
        "",
        "x",
        IssuedForm[..42],
        IssuedForm + "A",
        IssuedForm[..42] + "=",
        IssuedForm[..42] + "+",
        IssuedForm[..42] + "/",
        IssuedForm[..42] + "é",
        new string('A', 10_000),
        "../../etc/passwd",
    };

    [Theory]
    [MemberData(nameof(MadeUpTickets))]
    public async Task A_ticket_not_of_an_issued_ones_form_is_refused_without_a_grain_call(string ticket)
    {
        var (factory, recorder) = RecordingGrainFactory.Create();

        Assert.Null(await new SocketTickets(factory).RedeemAsync(ticket));
        Assert.Empty(recorder.Calls);
    }

    [Fact]
    public async Task A_ticket_of_an_issued_ones_form_goes_to_its_grain()
    {
        var (factory, recorder) = RecordingGrainFactory.Create();

        await Assert.ThrowsAsync<GrainCallRefusedException>(() => new SocketTickets(factory).RedeemAsync(IssuedForm));

        Assert.Equal(["GetGrain<ISocketTicketGrain>"], recorder.Calls);
    }

    [Theory]
    [InlineData("with space")]
    [InlineData("tab\there")]
    [InlineData("ünïcode")]
    [InlineData("line\nbreak")]
    [InlineData("\u007f")]
    public async Task A_malformed_idempotency_key_is_refused_without_a_grain_call(string key)
    {
        var (factory, recorder) = RecordingGrainFactory.Create();

        var claim = await IdempotentCreate.ClaimAsync(key, factory, "alice", "task:", "fingerprint");

        Assert.NotNull(claim.Invalid);
        Assert.Null(claim.Key);
        Assert.Null(IdempotentCreate.RequestId(key, "alice", "task:"));
        Assert.Empty(recorder.Calls);
    }

    [Fact]
    public async Task An_idempotency_key_of_256_characters_is_refused_without_a_grain_call_and_one_of_255_goes_to_its_grain()
    {
        var (factory, recorder) = RecordingGrainFactory.Create();

        Assert.NotNull((await IdempotentCreate.ClaimAsync(new string('k', 256), factory, "alice", "task:", "fingerprint")).Invalid);
        Assert.Empty(recorder.Calls);
        await Assert.ThrowsAsync<GrainCallRefusedException>(() => IdempotentCreate.ClaimAsync(new string('k', 255), factory, "alice", "task:", "fingerprint"));
        Assert.Equal(["GetGrain<IIdempotencyKeyGrain>"], recorder.Calls);
    }
}
