namespace OrleansTasks.Gateway.WebSockets;

/// <summary>What the receive loop does after a client's message.</summary>
internal enum IntakeAction
{
    /// <summary>Nothing: keep reading.</summary>
    None,

    /// <summary>Queue a pong.</summary>
    Pong,

    /// <summary>The client broke a rule: close the socket with <see cref="IntakeStep.Close"/> and read only for the client's close.</summary>
    Violation,

    /// <summary>The client closed: echo <see cref="IntakeStep.Close"/> and stop reading.</summary>
    ClientClosed,
}

/// <summary>An <see cref="IntakeAction"/>, with the close it calls for.</summary>
internal readonly record struct IntakeStep(IntakeAction Action, SocketClose? Close = null)
{
    public static readonly IntakeStep Continue = new(IntakeAction.None);

    public static readonly IntakeStep Pong = new(IntakeAction.Pong);
}
