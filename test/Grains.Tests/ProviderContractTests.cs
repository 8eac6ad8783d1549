using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;
using Orleans.Storage;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The real Orleans ADO.NET providers, taken from a running silo, driven through every query key
/// of the project's schema against PostgreSQL.
/// </summary>
public sealed class ProviderContractTests(PostgresSiloFixture fixture) : IClassFixture<PostgresSiloFixture>
{
    private IServiceProvider Services => fixture.Silo.Services;

    private async Task<IMembershipTable> MembershipTableAsync(string clusterId)
    {
        fixture.Require();
        var table = ActivatorUtilities.CreateInstance<AdoNetClusteringTable>(
            Services, Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = fixture.ClusterId }));
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, CancellationToken.None);
        return table;
    }

    private static MembershipEntry Entry(int port, SiloStatus status, DateTime? aliveAt = null) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 1),
        SiloName = $"silo-{port}",
        HostName = "contract-host",
        Status = status,
        ProxyPort = port + 1000,
        StartTime = (aliveAt ?? DateTime.UtcNow).AddMinutes(-5),
        IAmAliveTime = aliveAt ?? DateTime.UtcNow,
        SuspectTimes = [],
    };

    [Fact]
    public async Task Concurrent_inserts_at_the_same_table_version_let_exactly_one_win()
    {
        var table = await MembershipTableAsync("contract-" + Guid.NewGuid().ToString("N")[..8]);
        var empty = await table.ReadAllAsync(CancellationToken.None);

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            table.InsertRowAsync(Entry(20_000 + i, SiloStatus.Joining), empty.Version.Next(), CancellationToken.None)));
        var after = await table.ReadAllAsync(CancellationToken.None);

        Assert.Empty(empty.Members);
        Assert.Single(results, inserted => inserted);
        Assert.Single(after.Members);
        Assert.Equal(empty.Version.Version + 1, after.Version.Version);
    }

    [Fact]
    public async Task An_update_at_a_stale_version_is_refused_and_one_at_the_current_version_applies()
    {
        var table = await MembershipTableAsync("contract-" + Guid.NewGuid().ToString("N")[..8]);
        var entry = Entry(21_000, SiloStatus.Joining);
        var start = await table.ReadAllAsync(CancellationToken.None);
        Assert.True(await table.InsertRowAsync(entry, start.Version.Next(), CancellationToken.None));
        var current = await table.ReadAllAsync(CancellationToken.None);

        entry.Status = SiloStatus.Active;
        entry.SuspectTimes = [Tuple.Create(SiloAddress.New(IPAddress.Loopback, 21_001, 1), DateTime.UtcNow)];
        var stale = await table.UpdateRowAsync(entry, current.Members[0].Item2, start.Version.Next(), CancellationToken.None);
        var fresh = await table.UpdateRowAsync(entry, current.Members[0].Item2, current.Version.Next(), CancellationToken.None);
        var row = await table.ReadRowAsync(entry.SiloAddress, CancellationToken.None);

        Assert.False(stale);
        Assert.True(fresh);
        var (stored, _) = Assert.Single(row.Members);
        Assert.Equal(SiloStatus.Active, stored.Status);
        Assert.Single(stored.SuspectTimes!);
        Assert.Equal(current.Version.Version + 1, row.Version.Version);
    }

    [Fact]
    public async Task I_am_alive_updates_the_row_without_changing_the_table_version()
    {
        var table = await MembershipTableAsync("contract-" + Guid.NewGuid().ToString("N")[..8]);
        var entry = Entry(22_000, SiloStatus.Active, DateTime.UtcNow.AddMinutes(-1));
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));
        var before = await table.ReadAllAsync(CancellationToken.None);

        var alive = new DateTime(DateTime.UtcNow.Ticks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        entry.IAmAliveTime = alive;
        await table.UpdateIAmAliveAsync(entry, CancellationToken.None);
        var after = await table.ReadRowAsync(entry.SiloAddress, CancellationToken.None);

        Assert.Equal(alive, after.Members[0].Item1.IAmAliveTime.ToUniversalTime());
        Assert.Equal(before.Version.Version, after.Version.Version);
    }

    [Fact]
    public async Task Dead_silos_past_the_cutoff_are_cleaned_up_and_live_ones_stay()
    {
        var table = await MembershipTableAsync("contract-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.True(await table.InsertRowAsync(Entry(23_000, SiloStatus.Dead, DateTime.UtcNow.AddHours(-2)), (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));
        Assert.True(await table.InsertRowAsync(Entry(23_001, SiloStatus.Active, DateTime.UtcNow.AddHours(-2)), (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));
        Assert.True(await table.InsertRowAsync(Entry(23_002, SiloStatus.Dead), (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        var remaining = await table.ReadAllAsync(CancellationToken.None);

        Assert.Equal([23_001, 23_002], remaining.Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order());
    }

    [Fact]
    public async Task The_gateway_list_holds_active_silos_with_a_proxy_port_only()
    {
        var clusterId = "contract-" + Guid.NewGuid().ToString("N")[..8];
        var table = await MembershipTableAsync(clusterId);
        Assert.True(await table.InsertRowAsync(Entry(24_000, SiloStatus.Active), (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));
        Assert.True(await table.InsertRowAsync(Entry(24_001, SiloStatus.Joining), (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));
        var provider = ActivatorUtilities.CreateInstance<AdoNetGatewayListProvider>(
            Services,
            Options.Create(new AdoNetClusteringClientOptions { Invariant = StorageMode.AdoNetInvariant, ConnectionString = fixture.ConnectionString }),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = fixture.ClusterId }));
        await provider.InitializeGatewayListProviderAsync(CancellationToken.None);

        var gateways = await provider.GetGatewaysAsync(CancellationToken.None);

        Assert.Equal(25_000, Assert.Single(gateways).Port);
    }

    [Fact]
    public async Task Deleting_a_clusters_entries_removes_its_rows_and_version()
    {
        var clusterId = "contract-" + Guid.NewGuid().ToString("N")[..8];
        var table = await MembershipTableAsync(clusterId);
        Assert.True(await table.InsertRowAsync(Entry(26_000, SiloStatus.Active), (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));

        await table.DeleteMembershipTableEntriesAsync(clusterId, CancellationToken.None);

        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM orleans_membership_version WHERE deployment_id = '{clusterId}'"));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{clusterId}'"));
    }

    [Fact]
    public async Task Grain_state_round_trips_and_a_stale_etag_is_refused_without_overwriting()
    {
        fixture.Require();
        var storage = Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks);
        var grainId = GrainId.Create("contract-state", Guid.NewGuid().ToString("N"));
        var missing = new GrainState<ContractState>();
        await storage.ReadStateAsync("state", grainId, missing);

        var first = new GrainState<ContractState>(new ContractState { Value = "one" });
        await storage.WriteStateAsync("state", grainId, first);
        var second = new GrainState<ContractState>(new ContractState { Value = "two" }) { ETag = first.ETag };
        await storage.WriteStateAsync("state", grainId, second);
        var stale = new GrainState<ContractState>(new ContractState { Value = "stale" }) { ETag = first.ETag };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("state", grainId, stale));
        var duplicateFirstWrite = new GrainState<ContractState>(new ContractState { Value = "duplicate" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("state", grainId, duplicateFirstWrite));
        var read = new GrainState<ContractState>();
        await storage.ReadStateAsync("state", grainId, read);

        Assert.False(missing.RecordExists);
        Assert.Null(missing.ETag);
        Assert.Equal("1", first.ETag);
        Assert.Equal("2", second.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal("two", read.State!.Value);
        Assert.Equal("2", read.ETag);
    }

    [Fact]
    public async Task Clearing_grain_state_needs_the_current_etag()
    {
        fixture.Require();
        var storage = Services.GetRequiredKeyedService<IGrainStorage>(PostgresSiloFixture.KeepingStorage);
        var grainId = GrainId.Create("contract-state", Guid.NewGuid().ToString("N"));
        var state = new GrainState<ContractState>(new ContractState { Value = "kept" });
        await storage.WriteStateAsync("state", grainId, state);
        var stale = new GrainState<ContractState>(new ContractState()) { ETag = "41", RecordExists = true };

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("state", grainId, stale));
        await storage.ClearStateAsync("state", grainId, state);
        var read = new GrainState<ContractState>();
        await storage.ReadStateAsync("state", grainId, read);

        Assert.Equal("2", state.ETag);
        Assert.Null(read.State!.Value);
        Assert.Equal("2", read.ETag);
    }

    [Fact]
    public async Task Clearing_with_delete_on_clear_removes_the_row_and_a_new_first_write_starts_over()
    {
        fixture.Require();
        var storage = Services.GetRequiredKeyedService<IGrainStorage>(PostgresSiloFixture.DeletingStorage);
        var grainId = GrainId.Create("contract-state", Guid.NewGuid().ToString("N"));
        var state = new GrainState<ContractState>(new ContractState { Value = "gone soon" });
        await storage.WriteStateAsync("state", grainId, state);

        await storage.ClearStateAsync("state", grainId, state);
        var read = new GrainState<ContractState>();
        await storage.ReadStateAsync("state", grainId, read);
        var again = new GrainState<ContractState>(new ContractState { Value = "again" });
        await storage.WriteStateAsync("state", grainId, again);

        Assert.Null(state.ETag);
        Assert.False(read.RecordExists);
        Assert.Equal("1", again.ETag);
    }

    [Fact]
    public async Task Reminders_upsert_read_by_grain_by_name_and_by_hash_range_and_delete_by_etag()
    {
        fixture.Require();
        var reminders = Services.GetRequiredService<IReminderTable>();
        var grainId = GrainId.Create("contract-reminder", Guid.NewGuid().ToString("N"));
        var other = GrainId.Create("contract-reminder", Guid.NewGuid().ToString("N"));
        var farAway = DateTime.UtcNow.AddYears(1);
        var entry = new ReminderEntry { GrainId = grainId, ReminderName = "lease", StartAt = farAway, Period = TimeSpan.FromDays(3) };

        var firstEtag = await reminders.UpsertRow(entry);
        var secondEtag = await reminders.UpsertRow(entry);
        await reminders.UpsertRow(new ReminderEntry { GrainId = other, ReminderName = "lease", StartAt = farAway, Period = TimeSpan.FromMinutes(1) });
        var byName = await reminders.ReadRow(grainId, "lease");
        var byGrain = await reminders.ReadRows(grainId);
        var hash = grainId.GetUniformHashCode();
        var around = await reminders.ReadRows(unchecked(hash - 1), hash);
        var allButIt = await reminders.ReadRows(hash, unchecked(hash - 1));
        var removedWithStaleEtag = await reminders.RemoveRow(grainId, "lease", firstEtag!);
        var removed = await reminders.RemoveRow(grainId, "lease", secondEtag!);

        Assert.NotEqual(firstEtag, secondEtag);
        Assert.Equal(TimeSpan.FromDays(3), byName!.Period);
        Assert.Equal(secondEtag, byName.ETag);
        Assert.Single(byGrain.Reminders);
        Assert.Contains(around.Reminders, r => r.GrainId == grainId);
        Assert.DoesNotContain(allButIt.Reminders, r => r.GrainId == grainId);
        Assert.Contains(allButIt.Reminders, r => r.GrainId == other);
        Assert.False(removedWithStaleEtag);
        Assert.True(removed);
        Assert.Null(await reminders.ReadRow(grainId, "lease"));
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

[GenerateSerializer, Alias("OrleansTasks.Grains.Tests.ContractState")]
public sealed class ContractState
{
    [Id(0)] public string? Value { get; set; }
}
