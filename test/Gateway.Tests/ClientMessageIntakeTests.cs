using System.Net.WebSockets;
using System.Text;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The receive loop's decisions per client message, as docs/protocol.md §3.5 states them, without a socket.</summary>
public sealed class ClientMessageIntakeTests
{
    private int _recorded;
    private int _allowed = int.MaxValue;

    private ClientMessageIntake NewIntake() => new(() => ++_recorded <= _allowed);

    /// <summary>Receives <paramref name="text"/> into the intake's buffer as one receive of a text message.</summary>
    private static IntakeStep Receive(ClientMessageIntake intake, string text, bool endOfMessage = true, WebSocketMessageType type = WebSocketMessageType.Text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var buffer = intake.NextBuffer();
        var count = Math.Min(bytes.Length, buffer.Length);
        bytes.AsSpan(0, count).CopyTo(buffer.Span);
        return intake.Received(type, count, endOfMessage, null);
    }

    [Theory]
    [InlineData("ping")]
    [InlineData("{\"type\":\"ping\"}")]
    [InlineData("  {\"type\": \"ping\", \"extra\": 1}\n")]
    public void A_ping_is_answered_with_a_pong(string ping) => Assert.Equal(IntakeStep.Pong, Receive(NewIntake(), ping));

    [Theory]
    [InlineData("PING")]
    [InlineData("{\"type\":\"subscribe\"}")]
    [InlineData("{\"type\":7}")]
    [InlineData("{not json")]
    [InlineData("")]
    public void Any_other_text_message_is_ignored_and_the_socket_stays_open(string message)
    {
        var intake = NewIntake();

        Assert.Equal(IntakeStep.Continue, Receive(intake, message));
        Assert.Equal(IntakeStep.Pong, Receive(intake, "ping"));
    }

    [Fact]
    public void A_ping_split_across_receives_is_answered_once_when_it_ends()
    {
        var intake = NewIntake();

        Assert.Equal(IntakeStep.Continue, Receive(intake, "{\"ty", endOfMessage: false));
        Assert.Equal(IntakeStep.Continue, Receive(intake, "pe\":\"pi", endOfMessage: false));
        Assert.Equal(IntakeStep.Pong, Receive(intake, "ng\"}"));
        Assert.Equal(1, _recorded);
    }

    [Fact]
    public void A_long_message_grows_the_buffer_once_and_a_message_of_the_largest_size_is_read()
    {
        var intake = NewIntake();
        Assert.Equal(64, intake.NextBuffer().Length);

        Assert.Equal(IntakeStep.Continue, Receive(intake, new string('x', 64), endOfMessage: false));
        Assert.Equal(SocketLimits.MaxClientMessageBytes + 1 - 64, intake.NextBuffer().Length);
        Assert.Equal(IntakeStep.Continue, Receive(intake, new string('x', SocketLimits.MaxClientMessageBytes - 64)));
        Assert.Equal(SocketLimits.MaxClientMessageBytes + 1, intake.NextBuffer().Length);
    }

    [Fact]
    public void A_message_over_the_largest_size_closes_the_socket_and_afterwards_the_rest_is_read_into_the_whole_buffer_and_only_the_clients_close_counts()
    {
        var intake = NewIntake();

        Receive(intake, new string('x', 64), endOfMessage: false);
        var step = Receive(intake, new string('x', SocketLimits.MaxClientMessageBytes), endOfMessage: false);

        Assert.Equal(new IntakeStep(IntakeAction.Violation, SocketClose.MessageTooBig), step);
        Assert.Equal(SocketLimits.MaxClientMessageBytes + 1, intake.NextBuffer().Length);
        Assert.Equal(IntakeStep.Continue, Receive(intake, new string('x', 100), endOfMessage: false));
        Assert.Equal(IntakeStep.Continue, Receive(intake, "ping"));
        Assert.Equal(new IntakeStep(IntakeAction.ClientClosed, SocketClose.Echo(WebSocketCloseStatus.NormalClosure)),
            intake.Received(WebSocketMessageType.Close, 0, true, WebSocketCloseStatus.NormalClosure));
    }

    [Fact]
    public void A_binary_message_closes_the_socket_even_a_binary_ping()
    {
        var intake = NewIntake();

        Assert.Equal(new IntakeStep(IntakeAction.Violation, SocketClose.BinaryNotSupported), Receive(intake, "ping", type: WebSocketMessageType.Binary));
        Assert.Equal(IntakeStep.Continue, Receive(intake, "ping"));
    }

    [Fact]
    public void A_message_over_the_rate_closes_the_socket_and_parts_of_a_message_are_not_counted()
    {
        _allowed = 2;
        var intake = NewIntake();

        Assert.Equal(IntakeStep.Pong, Receive(intake, "ping"));
        Assert.Equal(IntakeStep.Continue, Receive(intake, "pi", endOfMessage: false));
        Assert.Equal(IntakeStep.Pong, Receive(intake, "ng"));
        Assert.Equal(new IntakeStep(IntakeAction.Violation, SocketClose.RateLimitExceeded), Receive(intake, "ping"));
        Assert.Equal(3, _recorded);
    }

    [Theory]
    [InlineData(WebSocketCloseStatus.NormalClosure)]
    [InlineData(WebSocketCloseStatus.EndpointUnavailable)]
    [InlineData(null)]
    public void The_clients_close_is_echoed(WebSocketCloseStatus? status)
    {
        var step = NewIntake().Received(WebSocketMessageType.Close, 0, true, status);

        Assert.Equal(IntakeAction.ClientClosed, step.Action);
        Assert.Equal(status ?? WebSocketCloseStatus.NormalClosure, step.Close!.Status);
    }
}
