using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage.Schema;
using Xunit;

namespace OrleansTasks.Testing;

/// <summary>
/// A private PostgreSQL server for the tests: a throwaway data folder, loopback only, started
/// from the installed server binaries (as the <c>postgres</c> user when the tests run as root).
/// Where no server is installed the tests that need it skip, saying how to install one, unless
/// ORLEANSTASKS_REQUIRE_PG=1 turns that into a failure.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string RequireVariable = "ORLEANSTASKS_REQUIRE_PG";
    private const string HowToInstall =
        "PostgreSQL server binaries were not found: install them (Debian: sudo apt-get install postgresql) or set ORLEANSTASKS_PG_BIN to the folder holding initdb and pg_ctl.";

    private string? _folder;
    private string? _binaries;
    private string? _unavailable;

    /// <summary>
    /// Commit synchronously, so that a crash of the server (an immediate stop) loses no committed
    /// transaction. Off by default: the shared test server trades that for speed.
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>The server's <c>max_connections</c>: generous for the shared server, low to prove a connection budget.</summary>
    public int MaxConnections { get; init; } = 300;

    /// <summary>The server's <c>shared_buffers</c> (such as <c>4GB</c>); null keeps PostgreSQL's default (128 MB).</summary>
    public string? SharedBuffers { get; init; }

    public int Port { get; private set; }

    public bool IsAvailable => _unavailable is null && _binaries is not null;

    public string DataFolder => Path.Combine(_folder!, "data");

    /// <summary>The folder of the server's binaries, which also holds its client tools (pg_dump, pg_restore, createdb).</summary>
    public string BinaryFolder => _binaries!;

    /// <summary>The admin connection string of the server's <c>postgres</c> database.</summary>
    public string AdminConnectionString =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public async ValueTask InitializeAsync()
    {
        _binaries = FindBinaries();
        if (_binaries is null)
        {
            _unavailable = HowToInstall;
            return;
        }

        _folder = Directory.CreateTempSubdirectory("orleans-tasks-pg-").FullName;
        Port = FreePort();
        if (RunningAsRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _folder], asPostgres: false);
        }

        await RunAsync(Path.Combine(_binaries, "initdb"), ["-D", DataFolder, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        await StartAsync();
    }

    /// <summary>Skips (or fails, in CI) the calling test when no server could be started.</summary>
    public void Require()
    {
        if (_unavailable is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            Assert.Fail($"{_unavailable} ({RequireVariable}=1 requires it.)");
        }

        Assert.Skip(_unavailable);
    }

    /// <summary>
    /// A new empty database; migrated to this build's schema unless <paramref name="migrate"/> is false.
    /// With <paramref name="ordinaryRole"/> the database belongs to a new login role of its own name
    /// without superuser rights, and the connection string logs in as it: such a role gets none of the
    /// server's reserved superuser slots and is held to <c>max_connections</c> as a deployed product is
    /// (tests that measure a connection budget need that); an operator may also limit or end its sessions.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(bool migrate = true, bool ordinaryRole = false)
    {
        Require();
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            var sql = ordinaryRole
                ? $"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; CREATE DATABASE {name} OWNER {name}"
                : $"CREATE DATABASE {name}";
            foreach (var statement in sql.Split("; "))
            {
                await using var command = new NpgsqlCommand(statement, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        // A test's pools outlive it: Npgsql keeps idle connections for five minutes by default, so
        // on a server shared by a whole run the finished tests' idle connections would add up past
        // max_connections. Closing them after a few idle seconds keeps the server for the live ones.
        var connectionString = $"Host=127.0.0.1;Port={Port};Username={(ordinaryRole ? name : "postgres")};Database={name};Connection Idle Lifetime=5;Connection Pruning Interval=1";
        if (migrate)
        {
            await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).MigrateAsync(connectionString);
        }

        return connectionString;
    }

    /// <summary>Runs <paramref name="sql"/> as the server's superuser in its <c>postgres</c> database.</summary>
    public async Task ExecuteAsAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task StartAsync() => RunAsync(Path.Combine(_binaries!, "pg_ctl"),
    [
        "-D", DataFolder, "-l", Path.Combine(_folder!, "server.log"), "-w", "-t", "60",
        "-o", string.Create(CultureInfo.InvariantCulture,
            $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections={MaxConnections} -c synchronous_commit={(Durable ? "on" : "off")}{(SharedBuffers is null ? "" : " -c shared_buffers=" + SharedBuffers)}"),
        "start",
    ]);

    /// <summary>Stops the server at once, as a crash would; <see cref="StartAsync"/> brings it back.</summary>
    public Task StopAsync() => RunAsync(Path.Combine(_binaries!, "pg_ctl"), ["-D", DataFolder, "-m", "immediate", "-w", "stop"]);

    public async ValueTask DisposeAsync()
    {
        if (_folder is null)
        {
            return;
        }

        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }

        Directory.Delete(_folder, recursive: true);
    }

    private static bool RunningAsRoot => Environment.UserName == "root";

    private static string? FindBinaries()
    {
        var configured = Environment.GetEnvironmentVariable("ORLEANSTASKS_PG_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(Path.Combine(configured, "initdb")) ? configured : null;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.GetDirectories(debianRoot)
            .Select(version => Path.Combine(version, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
            .OrderByDescending(bin => bin, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static async Task RunAsync(string program, IEnumerable<string> arguments, bool asPostgres = true)
    {
        var start = asPostgres && RunningAsRoot
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. arguments])
            : new ProcessStartInfo(program, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {await errors}{await output}");
        }
    }

    private static int FreePort() => FreePorts.Next();
}
