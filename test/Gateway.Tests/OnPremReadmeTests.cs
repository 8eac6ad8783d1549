using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// README's on-prem blocks that ComposeSiteTests does not run as written, run here without Docker
/// (<see cref="StandInCommands"/>) or held to the files they name: the restore stopping at a dump
/// cut short, the signing-key secret, the TLS profile's certificates, the one-line refusals of the
/// images' start scripts, the registry path's commands and images, and the variables table against
/// the compose files.
/// </summary>
public sealed partial class OnPremReadmeTests(PostgresServer postgres)
{
    private const string ThreeCommandsHeading = "### Up in three commands";
    private const string AirGappedHeading = "### Without registry access (air-gapped)";
    private const string TlsHeading = "### TLS";
    private const string ContainerUser = "1654";

    /// <summary>Stands for an ORLEANSTASKS_TLS_DIR outside docker/, an absolute path made by the test.</summary>
    private const string AbsoluteTlsDirectory = "absolute";

    private static string DockerDirectory => Path.Combine(RepositoryPaths.Root, "docker");

    [Fact]
    public async Task A_restore_from_a_dump_cut_short_stops_before_down_v_and_a_whole_dump_restores()
    {
        // Unpooled: an idle pooled session would keep the stand-in's down -v (dropdb) from dropping the database.
        var connection = await postgres.CreateDatabaseAsync(migrate: true, ordinaryRole: true) + ";Pooling=false";
        var database = new NpgsqlConnectionStringBuilder(connection).Database!;
        await DatabaseCommands.ExecuteAsync(connection, "CREATE TABLE backup_probe AS SELECT g AS id, repeat(md5(g::text), 20) AS filler FROM generate_series(1, 5000) g");
        var directory = Directory.CreateTempSubdirectory("orleans-tasks-backup-").FullName;
        try
        {
            var commands = new StandInCommands(directory, new Dictionary<string, string>
            {
                ["PG_BIN"] = postgres.BinaryFolder,
                ["PG_PORT"] = postgres.Port.ToString(CultureInfo.InvariantCulture),
                ["PG_DATABASE"] = database,
            });
            var dump = Path.Combine(directory, "orleans-tasks.dump");
            var cut = Path.Combine(directory, "cut-short.dump");

            var backup = await commands.RunAsync(BackupCommands.Read(dump).Backup);
            var whole = await File.ReadAllBytesAsync(dump);
            var dumpMode = await StatAsync(dump);
            var failing = new StandInCommands(Directory.CreateDirectory(Path.Combine(directory, "database-gone")).FullName, new Dictionary<string, string>
            {
                ["PG_BIN"] = postgres.BinaryFolder,
                ["PG_PORT"] = postgres.Port.ToString(CultureInfo.InvariantCulture),
                ["PG_DATABASE"] = "no_such_database",
            });
            var failed = await failing.RunAsync(BackupCommands.Read(dump).Backup);
            var afterFailed = await File.ReadAllBytesAsync(dump);
            await File.WriteAllBytesAsync(cut, whole[..(whole.Length / 2)]);
            var stopped = await commands.RunAsync(BackupCommands.Read(cut).Restore);
            var afterStopped = commands.Commands;
            var rowsKept = await DatabaseCommands.ScalarAsync(connection, "SELECT count(*) FROM backup_probe");
            var restored = await commands.RunAsync(BackupCommands.Read(dump).Restore);
            var rowsRestored = await DatabaseCommands.ScalarAsync(connection, "SELECT count(*) FROM backup_probe");

            Assert.True(backup.ExitCode == 0 && backup.Output.Contains("reads back whole", StringComparison.Ordinal), $"README's backup:\n{backup.Tail}");
            Assert.True(dumpMode.StartsWith("600 ", StringComparison.Ordinal), $"README's backup wrote a dump of mode {dumpMode}, readable by others than its owner");
            Assert.True(failed.ExitCode != 0 && !failed.Output.Contains("reads back whole", StringComparison.Ordinal), $"README's backup of a database that is gone:\n{failed.Tail}");
            Assert.True(whole.AsSpan().SequenceEqual(afterFailed), "a backup that failed changed the last good dump");
            Assert.True(stopped.ExitCode != 0, $"README's restore of a dump cut short exited 0:\n{stopped.Tail}");
            Assert.Contains("pg_restore: error", stopped.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(afterStopped, command => command.StartsWith("down", StringComparison.Ordinal));
            Assert.Equal(5000L, rowsKept);
            Assert.True(restored.ExitCode == 0, $"README's restore of the whole dump:\n{restored.Tail}");
            Assert.Equal(new[] { "down -v", "up -d postgres", "up -d" }, commands.Commands.Where(command => command.StartsWith("down", StringComparison.Ordinal) || command.StartsWith("up", StringComparison.Ordinal)));
            Assert.Equal(5000L, rowsRestored);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// README's restore of a dump that reads back whole but fails part way through (a privilege granted to
    /// a role the server no longer has, restored after every table and row): the fresh database is left
    /// empty, not half restored, and the site is not started. Once the role is back, the same block run
    /// again restores every row.
    /// </summary>
    [Fact]
    public async Task A_restore_that_fails_part_way_leaves_the_database_empty_and_runs_again()
    {
        var connection = await postgres.CreateDatabaseAsync(migrate: true, ordinaryRole: true) + ";Pooling=false";
        var database = new NpgsqlConnectionStringBuilder(connection).Database!;
        var reader = "r_" + Guid.NewGuid().ToString("N");
        await DatabaseCommands.ExecuteAsync(connection, "CREATE TABLE backup_probe AS SELECT g AS id FROM generate_series(1, 5000) g");
        await postgres.ExecuteAsAdminAsync($"CREATE ROLE {reader} NOLOGIN");
        await DatabaseCommands.ExecuteAsync(connection, $"GRANT SELECT ON backup_probe TO {reader}");
        var directory = Directory.CreateTempSubdirectory("orleans-tasks-restore-").FullName;
        try
        {
            var commands = StandInsFor(directory, database);
            var (backup, restore) = BackupCommands.Read(Path.Combine(directory, "orleans-tasks.dump"));
            var backedUp = await commands.RunAsync(backup);
            await DatabaseCommands.ExecuteAsync(connection, $"REVOKE SELECT ON backup_probe FROM {reader}");
            await postgres.ExecuteAsAdminAsync($"DROP ROLE {reader}");

            var failed = await commands.RunAsync(restore);
            var tablesAfterFailure = await DatabaseCommands.ScalarAsync(connection, UserTables);
            var commandsAfterFailure = commands.Commands.Where(IsUpOrDown).ToList();
            await postgres.ExecuteAsAdminAsync($"CREATE ROLE {reader} NOLOGIN");
            var again = await commands.RunAsync(restore);
            var rows = await DatabaseCommands.ScalarAsync(connection, "SELECT count(*) FROM backup_probe");

            Assert.True(backedUp.ExitCode == 0, $"README's backup:\n{backedUp.Tail}");
            Assert.True(failed.ExitCode != 0, $"README's restore of a dump granting to a missing role exited 0:\n{failed.Tail}");
            Assert.Contains($"role \"{reader}\" does not exist", failed.Output, StringComparison.Ordinal);
            Assert.True(tablesAfterFailure == 0, $"the restore that failed left {tablesAfterFailure} table(s) in the fresh database: half restored");
            Assert.Equal(new[] { "down -v", "up -d postgres" }, commandsAfterFailure);
            Assert.True(again.ExitCode == 0, $"README's restore run again:\n{again.Tail}");
            Assert.Equal(5000L, rows);
            Assert.Equal(new[] { "down -v", "up -d postgres", "down -v", "up -d postgres", "up -d" }, commands.Commands.Where(IsUpOrDown));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// README's restore when PostgreSQL never accepts connections after <c>up -d postgres</c>: its wait ends
    /// at its deadline (shortened here from README's 120 s) with one line, before pg_restore and the site's
    /// <c>up</c>.
    /// </summary>
    [Fact]
    public async Task A_restore_whose_database_never_answers_stops_at_its_deadline_in_one_line()
    {
        const string deadline = "timeout 120 ";
        var connection = await postgres.CreateDatabaseAsync(migrate: false, ordinaryRole: true) + ";Pooling=false";
        var database = new NpgsqlConnectionStringBuilder(connection).Database!;
        var directory = Directory.CreateTempSubdirectory("orleans-tasks-restore-").FullName;
        try
        {
            var (backup, restore) = BackupCommands.Read(Path.Combine(directory, "orleans-tasks.dump"));
            Assert.True(restore.Contains(deadline, StringComparison.Ordinal), $"README's restore has no '{deadline.Trim()}' on its wait for PostgreSQL:\n{restore}");
            var backedUp = await StandInsFor(directory, database).RunAsync(backup);
            var neverReady = StandInsFor(Directory.CreateDirectory(Path.Combine(directory, "never-ready")).FullName, database, neverReady: true);

            var stopped = await neverReady.RunAsync(restore.Replace(deadline, "timeout 3 ", StringComparison.Ordinal));

            Assert.True(backedUp.ExitCode == 0, $"README's backup:\n{backedUp.Tail}");
            Assert.True(stopped.ExitCode != 0, $"README's restore with PostgreSQL never ready exited 0:\n{stopped.Tail}");
            Assert.Contains("did not accept connections within", Assert.Single(stopped.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
            Assert.Contains(neverReady.Commands, command => command.StartsWith("exec -T postgres pg_isready", StringComparison.Ordinal));
            Assert.DoesNotContain(neverReady.Commands, command => command.StartsWith("exec -T postgres pg_restore -U", StringComparison.Ordinal));
            Assert.Equal(new[] { "down -v", "up -d postgres" }, neverReady.Commands.Where(IsUpOrDown));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// README's signing-key block, run in a copy of docker/ with a site.env: the key file it writes holds
    /// the key the env file held (tokens already issued stay valid), is made under umask 077, is the one the env file then names (relative to docker/, as compose.yaml resolves it), belongs to the
    /// gateways' user (their Dockerfile's USER) with mode 0400, and is ignored by git; compose.yaml mounts
    /// SIGNING_KEY_FILE as the secret the gateways read. Run a second time (as root, whom the file's mode
    /// does not stop) it changes nothing and says so in one line: the key is in the file still.
    /// </summary>
    [Fact]
    public async Task The_signing_key_block_writes_the_secret_that_the_env_file_and_compose_name_once()
    {
        RequireRoot();
        var block = SigningKeyBlock();
        var directory = Directory.CreateTempSubdirectory("orleans-tasks-signing-key-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "docker"));
            var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
            var envFile = Path.Combine(directory, "docker", "site.env");
            await File.WriteAllTextAsync(envFile, $"SIGNING_KEY={key}\nPOSTGRES_PASSWORD=x\n");
            var commands = new StandInCommands(directory, new Dictionary<string, string>());

            var result = await commands.RunAsync(block);
            var settings = await File.ReadAllLinesAsync(envFile);
            var keyFileSetting = settings.Single(line => line.StartsWith("SIGNING_KEY_FILE=", StringComparison.Ordinal))["SIGNING_KEY_FILE=".Length..];
            var keyFile = Path.GetFullPath(Path.Combine(directory, "docker", keyFileSetting));
            var again = await commands.RunAsync(block);

            Assert.True(result.ExitCode == 0, $"README's signing-key block:\n{result.Tail}");
            Assert.Contains("SIGNING_KEY=", settings);
            Assert.Equal(Path.Combine(directory, "docker", "signing-key"), keyFile);
            Assert.True((await File.ReadAllTextAsync(keyFile)).Trim() == key, "after a second run the key file does not hold the key docker/site.env named: tokens issued so far would stop working");
            Assert.Contains("(umask 077 && ", block, StringComparison.Ordinal);
            Assert.Equal($"400 {ContainerUser}", await StatAsync(keyFile));
            Assert.Equal(["signing-key", "site.env"], Directory.GetFiles(Path.Combine(directory, "docker")).Select(Path.GetFileName).Order());
            Assert.True(again.ExitCode != 0, $"README's signing-key block run a second time exited 0:\n{again.Tail}");
            Assert.Contains("nothing changed", Assert.Single(again.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
            Assert.Equal(settings, await File.ReadAllLinesAsync(envFile));
            Assert.Equal(new[] { "up -d" }, commands.Commands);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        var ignored = await File.ReadAllLinesAsync(Path.Combine(RepositoryPaths.Root, ".gitignore"));
        Assert.Contains("/docker/signing-key", ignored);
        Assert.Contains("/docker/signing-key.new", ignored);
        var compose = await File.ReadAllTextAsync(Path.Combine(DockerDirectory, "compose.yaml"));
        Assert.Contains("file: ${SIGNING_KEY_FILE:-./no-signing-key}", compose, StringComparison.Ordinal);
        Assert.Contains("Auth__SigningKeyFile: /run/secrets/signing_key", compose, StringComparison.Ordinal);
        Assert.Contains($"USER {ContainerUser}:{ContainerUser}", await File.ReadAllTextAsync(Path.Combine(DockerDirectory, "gateway.Dockerfile")), StringComparison.Ordinal);
    }

    /// <summary>
    /// README's signing-key block on a site.env without a key to move (empty, as an identity provider's
    /// site has it, or absent): it refuses in one line and changes nothing, writing no key file.
    /// </summary>
    [Theory]
    [InlineData("SIGNING_KEY=\nPOSTGRES_PASSWORD=x\n")]
    [InlineData("POSTGRES_PASSWORD=x\n")]
    public async Task The_signing_key_block_refuses_an_env_file_without_a_key(string settings)
    {
        RequireRoot();
        var directory = Directory.CreateTempSubdirectory("orleans-tasks-signing-key-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "docker"));
            var envFile = Path.Combine(directory, "docker", "site.env");
            await File.WriteAllTextAsync(envFile, settings);
            var commands = new StandInCommands(directory, new Dictionary<string, string>());

            var refused = await commands.RunAsync(SigningKeyBlock());

            Assert.True(refused.ExitCode != 0, $"README's signing-key block without a key exited 0:\n{refused.Tail}");
            Assert.Contains("no SIGNING_KEY", Assert.Single(refused.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
            Assert.Equal(settings, await File.ReadAllTextAsync(envFile));
            Assert.Equal(["site.env"], Directory.GetFiles(Path.Combine(directory, "docker")).Select(Path.GetFileName));
            Assert.Empty(commands.Commands);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// README's TLS block, run in a copy of docker/ with a site.env: make-certificates.sh writes, into the
    /// directory compose.tls.yaml mounts (ORLEANSTASKS_TLS_DIR as the env file gives it, resolved from
    /// docker/ as Compose resolves it, or the file's default ./tls), every file the silos', gateways' and
    /// nginx's settings name, private keys 0600 and the cluster's owned by the containers' user, and
    /// nothing anywhere else; then the site goes down and comes up with the profile's file, which exists.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("./site-tls")]
    [InlineData(AbsoluteTlsDirectory)]
    public async Task The_TLS_block_makes_the_files_the_TLS_profile_mounts_and_names(string? setting)
    {
        RequireRoot();
        var blocks = ReadmeCommands.Under(TlsHeading);
        Assert.True(blocks.Count == 1, $"README's '{TlsHeading}' has {blocks.Count} shell blocks, not one");
        var profile = await File.ReadAllTextAsync(Path.Combine(DockerDirectory, "compose.tls.yaml"));
        var https = await File.ReadAllTextAsync(Path.Combine(DockerDirectory, "nginx", "site", "https.conf"));
        var directory = Directory.CreateTempSubdirectory("orleans-tasks-tls-").FullName;
        try
        {
            var docker = Directory.CreateDirectory(Path.Combine(directory, "docker")).FullName;
            File.Copy(Path.Combine(DockerDirectory, "make-certificates.sh"), Path.Combine(docker, "make-certificates.sh"));
            setting = setting == AbsoluteTlsDirectory ? Path.Combine(directory, "elsewhere", "tls") : setting;
            await File.WriteAllTextAsync(Path.Combine(docker, "site.env"), $"POSTGRES_PASSWORD=x\n{(setting is null ? "" : $"ORLEANSTASKS_TLS_DIR={setting}\n")}");
            var mountedDefault = MountedTlsDirectories().Match(profile).Groups[1].Value;
            var tls = Path.GetFullPath(Path.Combine(docker, setting ?? mountedDefault));
            var commands = new StandInCommands(directory, new Dictionary<string, string>());

            var result = await commands.RunAsync(blocks[0]);

            Assert.True(result.ExitCode == 0, $"README's TLS block:\n{result.Tail}");
            Assert.Equal(new[] { "down", "-f docker/compose.tls.yaml up -d" }, commands.Commands);
            Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "docker", "compose.tls.yaml")), "README's TLS block names docker/compose.tls.yaml, which does not exist");
            var mounted = MountedTlsSubdirectories().Matches(profile).Select(match => match.Groups[1].Value).ToList();
            Assert.Equal(new[] { "cluster", "site" }, mounted.Order());
            Assert.Equal(["ca", "cluster", "site"], Directory.GetDirectories(tls).Select(Path.GetFileName).Order());
            Assert.Equal(Path.Combine(tls, "cluster", "cluster.key"), Assert.Single(Directory.GetFiles(directory, "cluster.key", SearchOption.AllDirectories)));
            foreach (Match named in ClusterFiles().Matches(profile))
            {
                Assert.True(File.Exists(Path.Combine(tls, "cluster", named.Groups[1].Value)), $"compose.tls.yaml names {named.Value}, which make-certificates.sh did not make in {tls}");
            }

            foreach (Match named in SiteFiles().Matches(https))
            {
                Assert.True(File.Exists(Path.Combine(tls, "site", named.Groups[1].Value)), $"https.conf names {named.Value}, which make-certificates.sh did not make in {tls}");
            }

            Assert.Equal($"600 {ContainerUser}", await StatAsync(Path.Combine(tls, "cluster", "cluster.key")));
            Assert.StartsWith("600 ", await StatAsync(Path.Combine(tls, "site", "site.key")), StringComparison.Ordinal);
            Assert.StartsWith("600 ", await StatAsync(Path.Combine(tls, "ca", "ca.key")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// nginx's start script under the TLS profile (ORLEANSTASKS_HTTPS_PORT set) without the site
    /// certificate: one line naming the files and what makes them, and no plain-HTTP site instead.
    /// </summary>
    [Fact]
    public async Task The_TLS_profile_without_a_site_certificate_stops_nginx_in_one_line()
    {
        Assert.SkipWhen(File.Exists("/etc/nginx/tls/site.crt"), "this host has /etc/nginx/tls/site.crt, which the script reads: it cannot be run here without one");
        var script = Path.Combine(DockerDirectory, "nginx", "site", "start.sh");

        var result = await CommandLine.RunAsync("sh", [script], new Dictionary<string, string> { ["ORLEANSTASKS_HTTPS_PORT"] = "8443" }, TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 1, $"start.sh without a certificate exited {result.ExitCode}:\n{result.Tail}");
        var line = Assert.Single(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("/etc/nginx/tls/site.crt", line, StringComparison.Ordinal);
        Assert.Contains("make-certificates.sh", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// orleans-tasks/postgres:local's entrypoint, run on this host as root with the host's postgres user,
    /// on a data directory of its major whose files belong to another uid (root's, as after a rebuild that
    /// gave postgres another uid): it refuses in one line naming both uids and the chown that gives the
    /// files to this postgres, and changes nothing.
    /// </summary>
    [Fact]
    public async Task The_postgres_entrypoint_refuses_a_data_directory_of_another_uid_in_one_line_naming_the_chown()
    {
        RequireRoot();
        postgres.Require(); // run as root, the test server belongs to the host's postgres user: there is one
        var entrypoint = Path.Combine(DockerDirectory, "postgres", "entrypoint.sh");
        var uid = (await CommandLine.RunOrFailAsync("id", ["-u", "postgres"], new Dictionary<string, string>(), TimeSpan.FromSeconds(30))).Trim();
        var gid = (await CommandLine.RunOrFailAsync("id", ["-g", "postgres"], new Dictionary<string, string>(), TimeSpan.FromSeconds(30))).Trim();
        var pgdata = Directory.CreateTempSubdirectory("orleans-tasks-pgdata-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(pgdata, "PG_VERSION"), "15\n");
            var before = await StatAsync(pgdata);

            var refused = await CommandLine.RunAsync("sh", [entrypoint, "postgres"],
                new Dictionary<string, string> { ["PGDATA"] = pgdata, ["POSTGRES_MAJOR"] = "15" }, TimeSpan.FromSeconds(30));

            Assert.True(refused.ExitCode == 1, $"the entrypoint on a data directory of uid 0 exited {refused.ExitCode}:\n{refused.Tail}");
            var line = Assert.Single(refused.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"belong to uid 0, not to this image's postgres (uid {uid})", line, StringComparison.Ordinal);
            Assert.Contains($"chown -R {uid}:{gid} {pgdata} ", line, StringComparison.Ordinal);
            Assert.Equal(before, await StatAsync(pgdata));
            Assert.Equal(["PG_VERSION"], Directory.GetFileSystemEntries(pgdata).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(pgdata, recursive: true);
        }
    }

    /// <summary>
    /// build-base-images.sh asked for a PostgreSQL major the host's Debian suite does not carry (as
    /// trixie carries no 15): it stops before building anything, in one line that gives the command
    /// with the variable sudo would otherwise drop.
    /// </summary>
    [Fact]
    public async Task Building_the_base_images_with_a_major_the_suite_lacks_stops_in_one_line_naming_the_command()
    {
        SystemDependencies.Dockerd();
        var script = Path.Combine(DockerDirectory, "build-base-images.sh");

        var result = await CommandLine.RunAsync(script, [], new Dictionary<string, string> { ["ORLEANSTASKS_POSTGRES_MAJOR"] = "99" }, TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 1, $"build-base-images.sh with PostgreSQL 99 exited {result.ExitCode}:\n{result.Tail}");
        var last = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains("carries no postgresql-99", last, StringComparison.Ordinal);
        Assert.Contains("sudo --preserve-env=DOCKER_HOST,ORLEANSTASKS_POSTGRES_MAJOR docker/build-base-images.sh", last, StringComparison.Ordinal);
        Assert.DoesNotContain("debootstrap ", result.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The path with registry access: the same commands as the air-gapped path's last two without
    /// --local-images, and the official images README names are compose's and the Dockerfiles' defaults,
    /// PostgreSQL's major that of the local image.
    /// </summary>
    [Fact]
    public async Task The_registry_path_runs_the_air_gapped_commands_on_the_official_images_README_names()
    {
        var registry = Lines(ReadmeCommands.Under(ThreeCommandsHeading)[0]);
        var airGapped = Lines(Assert.Single(ReadmeCommands.Under(AirGappedHeading)));
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "README.md"));
        var compose = await File.ReadAllTextAsync(Path.Combine(DockerDirectory, "compose.yaml"));
        var localPostgres = await File.ReadAllTextAsync(Path.Combine(DockerDirectory, "postgres", "Dockerfile"));

        Assert.Equal(new[] { airGapped[1].Replace(" --local-images", "", StringComparison.Ordinal), airGapped[2] }, registry);
        foreach (var (variable, image) in new[] { ("ORLEANSTASKS_RUNTIME_IMAGE", "mcr.microsoft.com/dotnet/runtime-deps:10.0"), ("ORLEANSTASKS_POSTGRES_IMAGE", "postgres:15") })
        {
            Assert.Contains($"${{{variable}:-{image}}}", compose, StringComparison.Ordinal);
            Assert.Contains($"`{image}`", readme, StringComparison.Ordinal);
        }

        foreach (var dockerfile in new[] { "silo.Dockerfile", "gateway.Dockerfile", Path.Combine("nginx", "Dockerfile") })
        {
            Assert.Contains("ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0", await File.ReadAllTextAsync(Path.Combine(DockerDirectory, dockerfile)), StringComparison.Ordinal);
        }

        Assert.Contains("ARG POSTGRES_MAJOR=15", localPostgres, StringComparison.Ordinal);
        Assert.Contains("${ORLEANSTASKS_POSTGRES_MAJOR:-15}", await File.ReadAllTextAsync(Path.Combine(DockerDirectory, "build-base-images.sh")), StringComparison.Ordinal);
    }

    /// <summary>Every variable the compose files read is in README's table, and every variable of the table is read by them or by the scripts.</summary>
    [Fact]
    public async Task The_variables_table_names_what_the_compose_files_read()
    {
        var compose = await File.ReadAllTextAsync(Path.Combine(DockerDirectory, "compose.yaml")) + await File.ReadAllTextAsync(Path.Combine(DockerDirectory, "compose.tls.yaml"));
        var scripts = string.Concat(Directory.GetFiles(DockerDirectory, "*.sh").Select(File.ReadAllText));
        var readme = await File.ReadAllLinesAsync(Path.Combine(RepositoryPaths.Root, "README.md"));
        var table = readme.SkipWhile(line => line != "| variable | meaning | default |").TakeWhile(line => line.StartsWith('|'))
            .SelectMany(line => TableVariables().Matches(line.Split('|')[1]).Select(match => match.Groups[1].Value)).ToHashSet();
        var read = ComposeVariables().Matches(compose).Select(match => match.Groups[1].Value).ToHashSet();

        Assert.True(table.Count > 10, $"README's variables table has {table.Count} variables");
        Assert.Empty(read.Except(table));
        Assert.DoesNotContain(table, variable => !read.Contains(variable) && !scripts.Contains(variable, StringComparison.Ordinal));
    }

    /// <summary>README's block that moves the signing key from docker/site.env into a secret file (the second under "Up in three commands").</summary>
    private static string SigningKeyBlock()
    {
        var blocks = ReadmeCommands.Under(ThreeCommandsHeading);
        Assert.True(blocks.Count == 2, $"README's '{ThreeCommandsHeading}' has {blocks.Count} shell blocks, not two (up, the signing key from a secret)");
        return blocks[1];
    }

    /// <summary>The tables of a database outside PostgreSQL's own schemas.</summary>
    private const string UserTables =
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')";

    private static bool IsUpOrDown(string command) =>
        command.StartsWith("down", StringComparison.Ordinal) || command.StartsWith("up", StringComparison.Ordinal);

    /// <summary>README's <c>$C</c> standing in on the test server's <paramref name="database"/> (README's orleans_tasks, and its role orleans).</summary>
    private StandInCommands StandInsFor(string directory, string database, bool neverReady = false)
    {
        var settings = new Dictionary<string, string>
        {
            ["PG_BIN"] = postgres.BinaryFolder,
            ["PG_PORT"] = postgres.Port.ToString(CultureInfo.InvariantCulture),
            ["PG_DATABASE"] = database,
        };
        if (neverReady)
        {
            settings["STAND_IN_NEVER_READY"] = "1";
        }

        return new StandInCommands(directory, settings);
    }

    private static void RequireRoot() =>
        SystemDependencies.Root($"README's block runs a script that chowns files to the containers' user {ContainerUser}, which takes root");

    /// <summary>A block's commands without their trailing comments.</summary>
    private static string[] Lines(string block) =>
        [.. block.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => TrailingComment().Replace(line, "").Trim())];

    private static async Task<string> StatAsync(string file) =>
        (await CommandLine.RunOrFailAsync("stat", ["-c", "%a %u", file], new Dictionary<string, string>(), TimeSpan.FromSeconds(30))).Trim();

    /// <summary>compose.tls.yaml's default for ORLEANSTASKS_TLS_DIR, relative to docker/.</summary>
    [GeneratedRegex(@"\$\{ORLEANSTASKS_TLS_DIR:-([^}]+)\}/")]
    private static partial Regex MountedTlsDirectories();

    [GeneratedRegex(@"\$\{ORLEANSTASKS_TLS_DIR:-\./tls\}/(\w+):")]
    private static partial Regex MountedTlsSubdirectories();

    [GeneratedRegex(@"/etc/orleans-tasks/tls/([\w.-]+)")]
    private static partial Regex ClusterFiles();

    [GeneratedRegex(@"/etc/nginx/tls/([\w.-]+)")]
    private static partial Regex SiteFiles();

    [GeneratedRegex(@"`([A-Z][A-Z0-9_]+)`")]
    private static partial Regex TableVariables();

    [GeneratedRegex(@"\$\{([A-Z][A-Z0-9_]+)[:?}-]")]
    private static partial Regex ComposeVariables();

    [GeneratedRegex(@"\s+#[^']*$")]
    private static partial Regex TrailingComment();
}
