using System.Net;
using System.Net.Sockets;

namespace OrleansTasks.Testing;

/// <summary>
/// Ports for the servers tests start. They come from below the kernel's ephemeral range
/// (32768–60999 here), so that no outgoing connection of any process can be holding one by the
/// time the server binds it, and no port is handed out twice in one test process.
/// </summary>
public static class FreePorts
{
    private const int First = 12000;
    private const int Last = 32000;
    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free port between {First} and {Last}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
