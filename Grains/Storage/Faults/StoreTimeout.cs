namespace OrleansTasks.Storage.Faults;

/// <summary>Which of a pooled connection's waits ran out (see <see cref="AvailabilityFailures.TimeoutOf"/>).</summary>
public enum StoreTimeout
{
    /// <summary>Not a timeout.</summary>
    None,

    /// <summary>Every connection of the pool stayed busy for the pool's <c>Timeout</c>.</summary>
    PoolWait,

    /// <summary>A new connection could not be opened in time: the server's address did not answer.</summary>
    Connect,

    /// <summary>The server did not answer a statement (or the connection's start-up exchange) in time.</summary>
    Answer,
}
