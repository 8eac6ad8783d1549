namespace OrleansTasks.Gateway.WebSockets;

/// <summary>Counts client messages over the last second.</summary>
public sealed class MessageRateWindow(TimeProvider time, int maxPerSecond)
{
    private readonly Queue<long> _arrivals = new();

    /// <summary>Records a message; false when it is one too many for the last second.</summary>
    public bool TryRecord()
    {
        var now = time.GetTimestamp();
        while (_arrivals.Count > 0 && time.GetElapsedTime(_arrivals.Peek(), now) >= TimeSpan.FromSeconds(1))
        {
            _arrivals.Dequeue();
        }

        if (_arrivals.Count >= maxPerSecond)
        {
            return false;
        }

        _arrivals.Enqueue(now);
        return true;
    }
}
