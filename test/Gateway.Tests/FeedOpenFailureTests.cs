using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTasks.Feeds;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Opening a socket whose snapshot read throws what is neither an Orleans, a timeout nor an
/// invalid-operation exception — a storage provider's exception surfacing from a failed activation —
/// closes it with 1011 and gives its feed attachment back, so no subscription is left behind.
/// </summary>
public sealed class FeedOpenFailureTests
{
    [Fact]
    public async Task A_provider_exception_while_opening_closes_with_1011_and_gives_the_feed_back()
    {
        var failing = Guid.NewGuid();
        await using var gateway = new GatewayFactory(services: services =>
            services.AddSingleton<IFeedKind<IndexTaskSnapshot>>(new FailingReads(TaskFeedKind.Instance, failing)));
        using var http = gateway.CreateHttpClient(TestTokens.Alice);
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{failing}", TestTokens.Alice));

        var messages = await socket.ReceiveUntilClosedAsync();

        Assert.Empty(messages);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, socket.CloseStatus);
        var feeds = gateway.Services.GetRequiredService<FeedRegistry<IndexTaskSnapshot>>();
        await Eventually.TrueAsync(() => feeds.Feeds.All(feed => feed.Key != failing.ToString()), TimeSpan.FromSeconds(10), "the socket's feed to be given back");
    }

    /// <summary>The task feed, but reading <paramref name="failing"/>'s snapshot throws as PostgreSQL's provider would.</summary>
    private sealed class FailingReads(IFeedKind<IndexTaskSnapshot> inner, Guid failing) : IFeedKind<IndexTaskSnapshot>
    {
        public string Name => inner.Name;

        public SocketClose NotFound => inner.NotFound;

        public SocketClose Finished => inner.Finished;

        public StreamId StreamFor(Guid id) => inner.StreamFor(id);

        public Task<IndexTaskSnapshot?> ReadAsync(IGrainFactory grains, Guid id) =>
            id == failing ? throw new NpgsqlException("Exception while reading from stream") : inner.ReadAsync(grains, id);

        public byte[] Connected(IndexTaskSnapshot snapshot, DateTimeOffset now) => inner.Connected(snapshot, now);

        public byte[] ForEvent(IndexTaskSnapshot snapshot) => inner.ForEvent(snapshot);
    }
}
