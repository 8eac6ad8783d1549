using Microsoft.Extensions.Configuration;
using Npgsql;
using OrleansTasks.Hosting;
using OrleansTasks.Storage.Connections;

namespace OrleansTasks.Grains.Tests;

public sealed class ConnectionBudgetTests
{
    private const string Database = "Host=db.example;Port=5433;Database=tasks;Username=app;Password=s3cret";

    private static NpgsqlConnectionStringBuilder Read(string? connectionString) => new(connectionString);

    private static IConfiguration With(params (string Key, string Value)[] settings) => new ConfigurationBuilder()
        .AddInMemoryCollection(settings.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value)))
        .Build();

    [Fact]
    public void A_silo_divides_its_default_among_three_pools_that_add_up_to_it()
    {
        var budget = ConnectionBudget.ForSilo(Database, maxConnections: null);

        Assert.Equal(ConnectionBudget.SiloDefault, budget.Total);
        Assert.Equal(2, Read(budget.Membership).MaxPoolSize);
        Assert.Equal(14, Read(budget.Storage).MaxPoolSize);
        Assert.Equal(14, Read(budget.Index).MaxPoolSize);
        Assert.Equal("membership 2, grain storage and reminders 14, index and history 14", budget.Description);
    }

    [Fact]
    public void A_client_gateway_keeps_two_connections_for_membership_and_writes_uploads_with_the_rest_of_its_budget()
    {
        var budget = ConnectionBudget.ForGateway(Database, maxConnections: null);
        var larger = ConnectionBudget.ForGateway(Database, 10);

        Assert.Equal(ConnectionBudget.ClientDefault, budget.Total);
        Assert.Equal(2, Read(budget.Membership).MaxPoolSize);
        Assert.Equal(2, Read(budget.Uploads).MaxPoolSize);
        Assert.EndsWith(" uploads", Read(budget.Uploads).ApplicationName, StringComparison.Ordinal);
        Assert.Equal("membership 2, uploads 2", budget.Description);
        Assert.Equal(8, Read(larger.Uploads).MaxPoolSize);
        Assert.Null(budget.Storage);
        Assert.Contains("at least 3", Assert.Throws<StartupException>(() => ConnectionBudget.ForGateway(Database, 2)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 1, 1)]
    [InlineData(7, 3, 2)]
    [InlineData(24, 11, 11)]
    [InlineData(101, 50, 49)]
    public void The_pools_never_exceed_the_budget(int total, int storage, int index)
    {
        var budget = ConnectionBudget.ForSilo(Database, total);

        Assert.Equal(storage, Read(budget.Storage).MaxPoolSize);
        Assert.Equal(index, Read(budget.Index).MaxPoolSize);
        Assert.Equal(total, Read(budget.Membership).MaxPoolSize + Read(budget.Storage).MaxPoolSize + Read(budget.Index).MaxPoolSize);
    }

    [Fact]
    public void Each_pool_has_its_own_connection_string_so_that_Npgsql_keeps_them_apart()
    {
        // With a budget of 6 two pools have the same size: only the application name tells them apart.
        var budget = ConnectionBudget.ForSilo(Database, 6);
        string[] pools = [budget.Membership, budget.Storage!, budget.Index!];

        Assert.Equal(3, pools.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(["OrleansTasks membership", "OrleansTasks storage", "OrleansTasks index"], pools.Select(pool => Read(pool).ApplicationName));
        Assert.All(pools, pool =>
        {
            var builder = Read(pool);
            Assert.True(builder.Pooling);
            Assert.Equal(("db.example", 5433, "tasks", "app", "s3cret"), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
        });
    }

    [Fact]
    public void The_budget_overrides_what_the_connection_string_says_about_pooling()
    {
        var budget = ConnectionBudget.ForSilo(Database + ";Pooling=false;Maximum Pool Size=500;Minimum Pool Size=20;Application Name=tasks-eu", 10);

        var storage = Read(budget.Storage);
        Assert.True(storage.Pooling);
        Assert.Equal(4, storage.MaxPoolSize);
        Assert.Equal(4, storage.MinPoolSize);
        Assert.Equal("tasks-eu storage", storage.ApplicationName);
    }

    [Theory]
    [InlineData("", 5)]
    [InlineData(";Timeout=15", 5)]
    [InlineData(";Timeout=0", 5)]
    [InlineData(";Timeout=2", 2)]
    public void Every_pool_waits_for_a_connection_well_inside_Orleans_response_timeout(string setting, int seconds)
    {
        var silo = ConnectionBudget.ForSilo(Database + setting, 10);
        var client = ConnectionBudget.ForClient(Database + setting, 4);

        Assert.All([silo.Membership, silo.Storage!, silo.Index!, client.Membership], pool => Assert.Equal(seconds, Read(pool).Timeout));
        Assert.True(ConnectionBudget.ConnectionWaitSeconds * 2 < 30, "a state read and write must both fit in Orleans' 30 s response timeout");
    }

    [Theory]
    [InlineData("", 10)]
    [InlineData(";Command Timeout=30", 10)]
    [InlineData(";Command Timeout=0", 10)]
    [InlineData(";Command Timeout=4", 4)]
    public void Every_pool_gives_up_on_a_statement_well_inside_Orleans_response_timeout(string setting, int seconds)
    {
        var silo = ConnectionBudget.ForSilo(Database + setting, 10);
        var client = ConnectionBudget.ForClient(Database + setting, 4);

        Assert.All([silo.Membership, silo.Storage!, silo.Index!, client.Membership], pool => Assert.Equal(seconds, Read(pool).CommandTimeout));

        // A wait for the pool, the statement, then Npgsql's cancellation: a new connection and up to 2 s for its answer.
        var cancellation = ConnectionBudget.ConnectionWaitSeconds + (Read(silo.Storage).CancellationTimeout / 1000);
        Assert.True(ConnectionBudget.ConnectionWaitSeconds + ConnectionBudget.StatementWaitSeconds + cancellation < 25,
            "a storage call must end, with its cancellation, well inside Orleans' 30 s response timeout");
    }

    [Fact]
    public void Pooled_connections_probe_a_silent_server_within_seconds()
    {
        var budget = ConnectionBudget.ForSilo(Database, null);
        var client = ConnectionBudget.ForClient(Database, null);

        Assert.All([budget.Membership, budget.Storage!, budget.Index!, client.Membership], pool =>
        {
            var builder = Read(pool);
            Assert.Equal(ConnectionBudget.KeepaliveIdleSeconds, builder.TcpKeepAliveTime);
            Assert.Equal(ConnectionBudget.KeepaliveProbeSeconds, builder.TcpKeepAliveInterval);
        });
    }

    [Fact]
    public void Pooled_sessions_are_ended_by_the_server_when_idle_inside_a_transaction()
    {
        var budget = ConnectionBudget.ForSilo(Database, null);
        var client = ConnectionBudget.ForClient(Database, null);

        Assert.All([budget.Membership, budget.Storage!, budget.Index!, client.Membership], pool =>
            Assert.Equal("-c idle_in_transaction_session_timeout=30000", Read(pool).Options));
    }

    [Fact]
    public void An_operators_options_are_kept_and_their_own_idle_transaction_bound_wins()
    {
        var added = ConnectionBudget.ForSilo(Database + ";Options=-c search_path=tasks", null);
        var own = ConnectionBudget.ForSilo(Database + ";Options=-c idle_in_transaction_session_timeout=5000", null);

        Assert.Equal("-c search_path=tasks -c idle_in_transaction_session_timeout=30000", Read(added.Storage).Options);
        Assert.Equal("-c idle_in_transaction_session_timeout=5000", Read(own.Storage).Options);
    }

    [Fact]
    public void An_operator_may_set_the_keepalive_of_pooled_connections()
    {
        var budget = ConnectionBudget.ForSilo(Database + ";Tcp Keepalive Time=60;Tcp Keepalive Interval=10", null);

        Assert.Equal((60, 10), (Read(budget.Storage).TcpKeepAliveTime, Read(budget.Storage).TcpKeepAliveInterval));
    }

    [Fact]
    public void Pooled_connections_are_not_reset_and_prepare_repeated_statements()
    {
        var budget = ConnectionBudget.ForSilo(Database, null);

        Assert.All(new[] { budget.Membership, budget.Storage!, budget.Index! }, pool =>
        {
            var builder = Read(pool);
            Assert.True(builder.NoResetOnClose);
            Assert.Equal(ConnectionBudget.AutoPreparedStatements, builder.MaxAutoPrepare);
        });
    }

    [Fact]
    public void An_operator_may_turn_automatic_preparation_off()
    {
        // For example behind a connection pooler in transaction mode, where prepared statements do not survive.
        var budget = ConnectionBudget.ForSilo(Database + ";Max Auto Prepare=0", null);

        Assert.Equal(0, Read(budget.Storage!).MaxAutoPrepare);
    }

    [Fact]
    public void An_operator_may_keep_the_reset_of_pooled_connections()
    {
        var budget = ConnectionBudget.ForSilo(Database + ";No Reset On Close=false", null);

        Assert.False(Read(budget.Storage!).NoResetOnClose);
    }

    [Fact]
    public void A_client_keeps_only_a_membership_pool()
    {
        var budget = ConnectionBudget.ForClient(Database, maxConnections: null);

        Assert.Equal(ConnectionBudget.ClientDefault, budget.Total);
        Assert.Equal(ConnectionBudget.ClientDefault, Read(budget.Membership).MaxPoolSize);
        Assert.Null(budget.Storage);
        Assert.Null(budget.Index);
    }

    [Fact]
    public void A_silo_budget_too_small_for_its_pools_stops_the_start_in_one_line()
    {
        var failure = Assert.Throws<StartupException>(() => StorageMode.SiloBudget(
            With(("ConnectionStrings:OrleansTasks", Database), ("Database:MaxConnections", "3"))));

        Assert.Equal(
            "Database:MaxConnections is 3: a silo needs at least 4 (2 for membership, 1 for grain storage and reminders, 1 for the index and history).",
            failure.Message);
    }

    [Theory]
    [InlineData("0", "MaxConnections")]
    [InlineData("many", "Database:MaxConnections")]
    public void A_bad_setting_stops_the_start_in_one_line_naming_it(string value, string name)
    {
        var failure = Assert.Throws<StartupException>(() => StorageMode.ClientBudget(
            With(("ConnectionStrings:OrleansTasks", Database), ("Database:MaxConnections", value))));

        Assert.StartsWith("Database: ", failure.Message, StringComparison.Ordinal);
        Assert.Contains(name, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Fact]
    public void An_unreadable_connection_string_stops_the_start_without_repeating_it()
    {
        var failure = Assert.Throws<StartupException>(() => ConnectionBudget.ForSilo("Host=db;Password=s3cret;Nonsense Key=1", null));

        Assert.DoesNotContain("s3cret", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:OrleansTasks", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_mode_has_no_budget()
    {
        Assert.Null(StorageMode.SiloBudget(With(("Database:MaxConnections", "10"))));
        Assert.Null(StorageMode.ClientBudget(With()));
    }

    [Fact]
    public void A_one_off_connection_holds_no_pool_slot() =>
        Assert.False(Read(ConnectionBudget.OneOff(Database)).Pooling);

    [Theory]
    [InlineData(30, 100, 3, false)]
    [InlineData(97, 100, 3, false)]
    [InlineData(98, 100, 3, true)]
    [InlineData(30, 40, 13, true)]
    public void A_budget_exceeds_the_server_when_it_alone_is_more_than_ordinary_roles_may_open(int total, int maxConnections, int reserved, bool exceeds) =>
        Assert.Equal(exceeds, ConnectionBudget.ForSilo(Database, total).Exceeds(new ServerConnectionLimit(maxConnections, reserved)));
}
