using OrleansTasks.Benchmarks.Servers;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>Where a server's sockets are and how to open them.</summary>
internal sealed record LoadTarget(string Kind, Uri BaseUri)
{
    /// <summary>Minted for each socket, so that sockets opened late in a long run get a token that has not expired.</summary>
    private static string Token => TestTokens.For(LoadSettings.User);

    public bool IsSignalR => Kind == ServerHosts.SignalR;

    public Uri SocketUri(Guid topic) => new(Kind switch
    {
        ServerHosts.OrleansTasks => $"ws://{BaseUri.Authority}/ws/task/{topic}?token={Token}",
        ServerHosts.SignalR => $"ws://{BaseUri.Authority}{SignalRPeer.HubPath}?topic={topic}",
        _ => $"ws://{BaseUri.Authority}/ws?topic={topic}",
    });
}
