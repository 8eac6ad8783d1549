using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansTasks.History;
using OrleansTasks.Schedules;

namespace OrleansTasks.Grains.Tests;

/// <summary>Each refused request says what it was for, and keeps its type and field across the silo–gateway boundary.</summary>
public sealed class InvalidRequestExceptionTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void A_schedule_trigger_error_is_a_schedule_request_error_naming_its_field()
    {
        var error = Assert.Throws<InvalidScheduleRequestException>(() =>
            TriggerPlan.Validate(ScheduleTrigger.Interval(TimeSpan.FromSeconds(30)), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1)));

        Assert.Equal("every", error.Field);
    }

    [Fact]
    public void A_cursor_the_server_did_not_give_out_is_a_list_request_error_naming_the_cursor()
    {
        var error = Assert.Throws<InvalidListRequestException>(() => HistoryCursor.Decode("bogus"));

        Assert.Equal("cursor", error.Field);
    }

    public static TheoryData<InvalidRequestException> Kinds() =>
    [
        new InvalidTaskRequestException("documents[0].id", "Every document needs a non-empty 'id'."),
        new InvalidScheduleRequestException("cron", "The cron expression never falls due."),
        new InvalidListRequestException("cursor", "The cursor is not one this server gave out."),
        new InvalidSearchRequestException("q", "'q' must be 1–512 characters."),
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_keeps_its_type_field_and_message_through_orleans_serialization(InvalidRequestException sent)
    {
        var received = Serializer.Deserialize<object>(Serializer.SerializeToArray<object>(sent));

        var error = Assert.IsType<InvalidRequestException>(received, exactMatch: false);
        Assert.Equal(sent.GetType(), error.GetType());
        Assert.Equal(sent.Field, error.Field);
        Assert.Equal(sent.Message, error.Message);
    }

    [Fact]
    public void A_task_request_error_reads_and_is_read_as_the_previous_release_wrote_it()
    {
        var previous = Serializer.SerializeToArray<object>(new PreviousInvalidTaskRequestException("documents", "from an older silo"));
        var current = Serializer.SerializeToArray<object>(new InvalidTaskRequestException("documents", "from this silo"));

        var readHere = Assert.IsType<InvalidTaskRequestException>(Serializer.Deserialize<object>(SwapAlias(previous, PreviousAlias, CurrentAlias)));
        var readThere = Assert.IsType<PreviousInvalidTaskRequestException>(Serializer.Deserialize<object>(SwapAlias(current, CurrentAlias, PreviousAlias)));

        Assert.Equal(("documents", "from an older silo"), (readHere.Field, readHere.Message));
        Assert.Equal(("documents", "from this silo"), (readThere.Field, readThere.Message));
    }

    private const string CurrentAlias = "OrleansTasks.InvalidTaskRequestException";

    /// <summary>As long as the real alias, so that swapping one for the other leaves the payload well formed.</summary>
    private const string PreviousAlias = "OrleansTasks.InvalidTaskRequestExceptioP";

    private static byte[] SwapAlias(byte[] payload, string from, string to) =>
        Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(payload).Replace(from, to, StringComparison.Ordinal));
}

/// <summary>The shape <see cref="InvalidTaskRequestException"/> had before it gained a base: an <see cref="Exception"/> with a field.</summary>
[GenerateSerializer, Alias("OrleansTasks.InvalidTaskRequestExceptioP")]
public sealed class PreviousInvalidTaskRequestException : Exception
{
    public PreviousInvalidTaskRequestException()
    {
    }

    public PreviousInvalidTaskRequestException(string field, string message)
        : base(message) => Field = field;

    [Id(0)]
    public string Field { get; init; } = "";
}
