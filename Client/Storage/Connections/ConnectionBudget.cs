using System.Data.Common;
using System.Globalization;
using Npgsql;
using OrleansTasks.Hosting;

namespace OrleansTasks.Storage.Connections;

/// <summary>
/// One process's PostgreSQL connections, divided among its pools so that their maximums add up to
/// <c>Database:MaxConnections</c>. Npgsql keeps one pool per distinct connection string, so each
/// pool gets its own string (its own <c>Maximum Pool Size</c> and <c>Application Name</c>, which
/// also names it in <c>pg_stat_activity</c>). A silo's membership pool is its own, so that a storm
/// of storage calls waiting for connections cannot delay the heartbeats that keep the silo alive.
/// </summary>
internal sealed class ConnectionBudget
{
    /// <summary>A silo (or an embedded gateway): membership, grain storage with reminders, the index with history.</summary>
    public const int SiloDefault = 30;

    /// <summary>A client reads only the membership table; a client gateway also writes uploads.</summary>
    public const int ClientDefault = 4;

    /// <summary>The smallest budget a client gateway runs with: membership and one connection for uploads.</summary>
    public const int GatewayMinimum = MembershipShare + 1;

    /// <summary>The connections of a silo's membership pool.</summary>
    public const int MembershipShare = 2;

    /// <summary>
    /// The longest a caller waits for a connection of a pool (Npgsql's <c>Timeout</c>, which also
    /// bounds opening one; a lower, non-zero one in the connection string stands). Orleans fails a grain call
    /// after 30 s (its response timeout): a call's state read and write, or the index's attempts
    /// (see <c>PostgresDocumentIndex</c>), must each give up well inside it, so that the caller gets
    /// the task store's 503 rather than a time-out.
    /// </summary>
    public const int ConnectionWaitSeconds = 5;

    /// <summary>
    /// The longest a statement on a pooled connection waits for the server (Npgsql's <c>Command
    /// Timeout</c>, which bounds each read and write of it; a lower, non-zero one in the connection
    /// string stands). Npgsql's default, 30 s, let a statement sent into a network partition hold its
    /// connection past Orleans' response timeout. When it expires, Npgsql tries to cancel the
    /// statement on a new connection (up to <see cref="ConnectionWaitSeconds"/> to open it, then up to
    /// 2 s for the answer) and drops the connection: a wait for the pool, the statement and its
    /// cancellation, 5 + 10 + 5 + 2 = 22 s, still end inside Orleans' 30 s.
    /// </summary>
    public const int StatementWaitSeconds = 10;

    /// <summary>
    /// Seconds of silence after which the kernel probes a pooled connection (TCP keepalive), unless
    /// the connection string sets <c>Tcp Keepalive Time</c>. With probes every
    /// <see cref="KeepaliveProbeSeconds"/> and Linux's 9 unanswered probes, a connection whose peer
    /// vanished (a partition, a host gone) is closed about 14 s after it went silent, instead of
    /// lying in the pool until its next statement times out.
    /// </summary>
    public const int KeepaliveIdleSeconds = 5;

    /// <summary>Seconds between the keepalive probes of a silent pooled connection.</summary>
    public const int KeepaliveProbeSeconds = 1;

    /// <summary>
    /// Seconds a pooled session may sit inside an open transaction without sending a statement before
    /// the server ends it (PostgreSQL's <c>idle_in_transaction_session_timeout</c>), unless the
    /// connection string's <c>Options</c> set it. A process paused mid-transaction (a long GC pause, a
    /// stopped VM) keeps its connection alive, kernel and keepalive answering for it, so the rows it
    /// locked (a <c>delete_missing</c> removal step's) would stay locked for as long as it is stopped,
    /// holding back the task's new activation on a live silo; ended, the session lets them go, and the
    /// paused process finds its transaction gone when it wakes.
    /// </summary>
    public const int IdleInTransactionSeconds = 30;

    /// <summary>The smallest budget a silo runs with: membership and one connection for each other pool.</summary>
    public const int SiloMinimum = MembershipShare + 2;

    /// <summary>Statements Npgsql prepares on each pooled connection once they have been used a few times, unless the connection string says otherwise.</summary>
    public const int AutoPreparedStatements = 32;

    private ConnectionBudget(int total, string membership, string? storage, string? index, string description, string? uploads = null)
    {
        Total = total;
        Membership = membership;
        Storage = storage;
        Index = index;
        Description = description;
        Uploads = uploads;
    }

    /// <summary>The most connections this process's pools together may open.</summary>
    public int Total { get; }

    /// <summary>The connection string of the clustering provider's pool.</summary>
    public string Membership { get; }

    /// <summary>The pool the grain storage and reminder providers share; null in a client.</summary>
    public string? Storage { get; }

    /// <summary>The pool of the document index and task history data source; null in a client.</summary>
    public string? Index { get; }

    /// <summary>The pool a client gateway writes uploads through; null elsewhere (a silo writes them through its index pool).</summary>
    public string? Uploads { get; }

    /// <summary>The pools and their sizes, e.g. <c>membership 2, storage 14, index 14</c>.</summary>
    public string Description { get; }

    /// <summary>A silo's pools; <paramref name="maxConnections"/> null takes <see cref="SiloDefault"/>.</summary>
    public static ConnectionBudget ForSilo(string connectionString, int? maxConnections)
    {
        var total = maxConnections ?? SiloDefault;
        if (total < SiloMinimum)
        {
            throw new StartupException(
                $"{DatabaseSettings.SectionName}:{nameof(DatabaseSettings.MaxConnections)} is {total}: a silo needs at least {SiloMinimum} " +
                $"({MembershipShare} for membership, 1 for grain storage and reminders, 1 for the index and history).");
        }

        var shared = total - MembershipShare;
        var storage = shared - (shared / 2);
        var index = shared / 2;
        return new ConnectionBudget(
            total,
            Pool(connectionString, "membership", MembershipShare),
            Pool(connectionString, "storage", storage),
            Pool(connectionString, "index", index),
            $"membership {MembershipShare}, grain storage and reminders {storage}, index and history {index}");
    }

    /// <summary>A client's membership pool; <paramref name="maxConnections"/> null takes <see cref="ClientDefault"/>.</summary>
    public static ConnectionBudget ForClient(string connectionString, int? maxConnections)
    {
        var total = maxConnections ?? ClientDefault;
        return new ConnectionBudget(total, Pool(connectionString, "membership", total), null, null, $"membership {total}");
    }

    /// <summary>A client gateway's pools: membership and the rest for uploads; <paramref name="maxConnections"/> null takes <see cref="ClientDefault"/>.</summary>
    public static ConnectionBudget ForGateway(string connectionString, int? maxConnections)
    {
        var total = maxConnections ?? ClientDefault;
        if (total < GatewayMinimum)
        {
            throw new StartupException(
                $"{DatabaseSettings.SectionName}:{nameof(DatabaseSettings.MaxConnections)} is {total}: a client gateway needs at least {GatewayMinimum} " +
                $"({MembershipShare} for membership, 1 for uploads).");
        }

        var uploads = total - MembershipShare;
        return new ConnectionBudget(
            total,
            Pool(connectionString, "membership", MembershipShare),
            null,
            null,
            $"membership {MembershipShare}, uploads {uploads}",
            Pool(connectionString, "uploads", uploads));
    }

    /// <summary>A connection string for a single connection that is closed for good after use (start-up checks, migrations): it holds no pool slot.</summary>
    public static string OneOff(string connectionString) => Parse(connectionString, builder => builder.Pooling = false);

    /// <summary>Whether this process alone may open more connections than <paramref name="server"/> lets non-superusers hold.</summary>
    public bool Exceeds(ServerConnectionLimit server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Total > server.Available;
    }

    private static string Pool(string connectionString, string name, int size) => Parse(connectionString, builder =>
    {
        builder.Pooling = true;
        builder.MaxPoolSize = size;
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, size);
        builder.Timeout = builder.Timeout is > 0 and < ConnectionWaitSeconds ? builder.Timeout : ConnectionWaitSeconds;
        builder.CommandTimeout = builder.CommandTimeout is > 0 and < StatementWaitSeconds ? builder.CommandTimeout : StatementWaitSeconds;
        builder.ApplicationName = $"{(string.IsNullOrEmpty(builder.ApplicationName) ? "OrleansTasks" : builder.ApplicationName)} {name}";

        // Pooled connections carry no session state (session locks and settings use one-off
        // connections), so a connection taken from the pool needs no DISCARD ALL, and the
        // statements every task runs stay prepared on it.
        if (!Mentions(connectionString, nameof(NpgsqlConnectionStringBuilder.NoResetOnClose)))
        {
            builder.NoResetOnClose = true;
        }

        if (!Mentions(connectionString, nameof(NpgsqlConnectionStringBuilder.MaxAutoPrepare)))
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
        }

        if (builder.Options?.Contains("idle_in_transaction_session_timeout", StringComparison.OrdinalIgnoreCase) != true)
        {
            var bound = string.Create(CultureInfo.InvariantCulture, $"-c idle_in_transaction_session_timeout={IdleInTransactionSeconds * 1000}");
            builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? bound : $"{builder.Options} {bound}";
        }

        if (!Mentions(connectionString, nameof(NpgsqlConnectionStringBuilder.TcpKeepAliveTime)))
        {
            builder.TcpKeepAliveTime = KeepaliveIdleSeconds;
            if (!Mentions(connectionString, nameof(NpgsqlConnectionStringBuilder.TcpKeepAliveInterval)))
            {
                builder.TcpKeepAliveInterval = KeepaliveProbeSeconds;
            }
        }
    });

    /// <summary>Whether the operator's string sets <paramref name="property"/> (under any of its spellings, e.g. <c>Max Auto Prepare</c>).</summary>
    private static bool Mentions(string connectionString, string property) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), property, StringComparison.OrdinalIgnoreCase));

    private static string Parse(string connectionString, Action<NpgsqlConnectionStringBuilder> change)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException exception)
        {
            // The parser's message may quote the string, password included: name the setting only.
            throw new StartupException("ConnectionStrings:OrleansTasks could not be parsed as a PostgreSQL connection string.", exception);
        }

        change(builder);
        return builder.ConnectionString;
    }
}
