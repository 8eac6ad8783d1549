using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>Who a WebSocket ticket stands for: the user, their roles, and when the token it was issued against expires.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TicketHolder")]
public sealed record TicketHolder(
    [property: Id(0)] string Subject,
    [property: Id(1)] ImmutableArray<string> Roles,
    [property: Id(2)] DateTimeOffset? TokenExpiresAt);
