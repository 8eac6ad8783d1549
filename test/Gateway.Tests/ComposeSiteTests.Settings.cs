using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The compose site's settings: what it refuses, the signing key from a secret, bad values stopping a container with one line.</summary>
public sealed partial class ComposeSiteTests
{
    private const string SiloCannotStart = "OrleansTasks silo cannot start: ";
    private const string GatewayCannotStart = "OrleansTasks gateway cannot start: ";

    /// <summary>A path as README writes it: relative to docker/, where compose.yaml is.</summary>
    private static string RelativeToComposeFile(string path) =>
        "./" + Path.GetRelativePath(Path.GetDirectoryName(ComposeSite.ComposeFile)!, path);

    private static string SigningKeySecret(string directory) => Path.Combine(directory, "secrets", "signing-key");

    /// <summary>The key in a file as README says to make it: readable by the gateways' user 1654 only, with echo's line end.</summary>
    private static async Task WriteSigningKeySecretAsync(string directory, string key)
    {
        var file = SigningKeySecret(directory);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, key + "\n");
        await CommandLine.RunOrFailAsync("bash", ["-c", $"chown 1654 '{file}' && chmod 0400 '{file}'"], new Dictionary<string, string>(), TimeSpan.FromSeconds(30));
    }

    /// <summary>From now on the gateways read the same key from the Docker secret: SIGNING_KEY empty, SIGNING_KEY_FILE naming the file.</summary>
    private static void TakeTheSigningKeyFromTheSecret(Dictionary<string, string> variables, string directory)
    {
        variables["SIGNING_KEY"] = "";
        variables["SIGNING_KEY_FILE"] = RelativeToComposeFile(SigningKeySecret(directory));
    }

    /// <summary>Without a signing key, a database password or a users file (and no env file yet), compose refuses with one line and creates nothing.</summary>
    private static async Task Refuses_to_start_without_a_signing_key_a_database_password_or_a_users_file(DockerEngine engine, ComposeSite site)
    {
        foreach (var (variable, said) in new[]
        {
            ("SIGNING_KEY", "SIGNING_KEY is not set"), ("POSTGRES_PASSWORD", "POSTGRES_PASSWORD is not set"), ("USERS_FILE", "USERS_FILE is not set"),
        })
        {
            var environment = site.Environment;
            environment["SIGNING_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
            environment["POSTGRES_PASSWORD"] = "refusedpassword";
            environment["USERS_FILE"] = "./users-refused.json";
            environment.Remove(variable);
            var refused = await site.RunAsync(environment, "up", "-d");

            Assert.True(refused.ExitCode != 0, $"up without {variable} exited 0");
            Assert.Single(refused.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.Contains(said, StringComparison.Ordinal));
            Assert.Empty((await engine.DockerOrFailAsync("ps", "-aq")).Trim());
        }
    }

    /// <summary>The PostgreSQL major orleans-tasks/postgres:local is pinned to (POSTGRES_MAJOR's default), that of compose.yaml's postgres:15.</summary>
    private const string PostgresMajor = "15";

    /// <summary>
    /// orleans-tasks/postgres:local as the official image is configured: POSTGRES_USER, POSTGRES_DB and a PGDATA of the
    /// operator's choosing; it runs its pinned major and refuses, in one line, a data directory of another, and one whose
    /// files belong to another uid (naming the chown for an earlier build of the image).
    /// </summary>
    private static async Task The_postgres_image_honours_its_variables_and_a_custom_PGDATA(DockerEngine engine)
    {
        const string pgdata = "/var/lib/postgresql/custom/pgdata";
        var container = (await engine.DockerOrFailAsync("run", "-d", "--network", "none", "-e", "POSTGRES_USER=custom", "-e", "POSTGRES_DB=customdb",
            "-e", "POSTGRES_PASSWORD=custom-password", "-e", $"PGDATA={pgdata}", "orleans-tasks/postgres:local")).Trim();
        try
        {
            await Eventually.TrueAsync("orleans-tasks/postgres:local with a custom PGDATA to accept connections", async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                return (await engine.DockerAsync(["exec", container, "pg_isready", "-h", "127.0.0.1", "-U", "custom", "-d", "customdb"], TimeSpan.FromSeconds(30))).ExitCode == 0;
            }, TimeSpan.FromMinutes(1));
            var directory = await engine.DockerOrFailAsync("exec", container, "psql", "-U", "custom", "-d", "customdb", "-tAc", "SHOW data_directory");
            var major = await engine.DockerOrFailAsync("exec", container, "psql", "-U", "custom", "-d", "customdb", "-tAc", "SHOW server_version_num");
            var otherMajor = await engine.DockerAsync(["run", "--rm", "--network", "none", "-e", "PGDATA=/tmp/pg14", "--entrypoint", "sh", "orleans-tasks/postgres:local",
                "-c", "mkdir -p /tmp/pg14 && echo 14 > /tmp/pg14/PG_VERSION && exec postgres-entrypoint postgres"], TimeSpan.FromMinutes(1));
            var otherOwner = await engine.DockerAsync(["run", "--rm", "--network", "none", "-e", "PGDATA=/tmp/pg-root", "--entrypoint", "sh", "orleans-tasks/postgres:local",
                "-c", $"mkdir -p /tmp/pg-root && echo {PostgresMajor} > /tmp/pg-root/PG_VERSION && exec postgres-entrypoint postgres"], TimeSpan.FromMinutes(1));

            Assert.Equal(pgdata, directory.Trim());
            Assert.StartsWith(PostgresMajor, major.Trim(), StringComparison.Ordinal);
            Assert.True(otherMajor.ExitCode != 0, $"the image started on a PostgreSQL 14 data directory:\n{otherMajor.Tail}");
            Assert.Contains($"holds a PostgreSQL 14 cluster and this image runs PostgreSQL {PostgresMajor}", otherMajor.Output, StringComparison.Ordinal);
            Assert.True(otherOwner.ExitCode != 0, $"the image started on a data directory of uid 0:\n{otherOwner.Tail}");
            Assert.Contains("holds a cluster whose files belong to uid 0, not to this image's postgres", otherOwner.Output, StringComparison.Ordinal);
            Assert.Contains("chown -R ", otherOwner.Output, StringComparison.Ordinal);
        }
        finally
        {
            await engine.DockerAsync(["rm", "-f", "-v", container], TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>
    /// A silo with a wrong database password never becomes healthy: under the compose file's restart
    /// policy it stops, says why in one line and starts again, each time. A silo whose database host
    /// does not exist says so in one line. A gateway given a malformed users file (USERS_FILE relative
    /// to docker/) stops with one line naming the file and the problem; so does one given an empty
    /// SIGNING_KEY and no SIGNING_KEY_FILE (and no identity provider): the empty stand-in secret.
    /// </summary>
    private static async Task Bad_settings_stop_a_container_with_one_line(ComposeSite site, string directory)
    {
        var badFile = Path.Combine(directory, "users-malformed.json");
        await File.WriteAllTextAsync(badFile, "{\"Username\": \"demo\"}");
        var environment = site.Environment;
        environment["USERS_FILE"] = RelativeToComposeFile(badFile);

        var noHost = await site.RunAsync("run", "--rm", "--no-deps", "-e",
            "ConnectionStrings__OrleansTasks=Host=no-such-database;Port=5432;Username=orleans;Password=x;Database=orleans_tasks", "silo");
        var gateway = await site.RunAsync(environment, "run", "--rm", "--no-deps", "gateway");
        var keyless = site.Environment;
        keyless["SIGNING_KEY"] = "";
        var gatewayWithoutKey = await site.RunAsync(keyless, "run", "--rm", "--no-deps", "gateway");

        AssertOneLine(noHost, SiloCannotStart, "no-such-database");
        AssertOneLine(gateway, GatewayCannotStart, "Auth:UsersFile /etc/orleans-tasks/users.json is not a JSON array of users");
        AssertOneLine(gatewayWithoutKey, GatewayCannotStart, "Auth:SigningKeyFile /run/secrets/signing_key holds 0 bytes");
        await A_silo_with_a_wrong_database_password_stays_unhealthy_and_says_why(site);
    }

    private static async Task A_silo_with_a_wrong_database_password_stays_unhealthy_and_says_why(ComposeSite site)
    {
        // compose run drops the service's restart policy; put the compose file's back (and start
        // the container again, should it have stopped before the update).
        const string container = "orleans-tasks-silo-with-a-wrong-password";
        await site.RunOrFailAsync("run", "-d", "--no-deps", "--name", container, "-e",
            "ConnectionStrings__OrleansTasks=Host=postgres;Port=5432;Username=orleans;Password=wrong-password;Database=orleans_tasks", "silo");
        try
        {
            Assert.Equal("CMD", await site.InspectAsync(container, "{{index .Config.Healthcheck.Test 0}}"));
            await site.DockerOrFailAsync("update", "--restart", "unless-stopped", container);
            await site.DockerOrFailAsync("start", container);
            var states = new List<string>();
            await Eventually.TrueAsync($"the silo with a wrong password ({container}) to be restarted twice", async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                states.Add(await site.InspectAsync(container, "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}"));
                return await site.InspectNumberAsync(container, "{{.RestartCount}}") >= 2;
            }, TimeSpan.FromMinutes(2));
            var lines = (await site.LogsAsync(container)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

            Assert.DoesNotContain(states, state => state.EndsWith(" healthy", StringComparison.Ordinal));
            Assert.True(lines.Length >= 2, $"the silo logged {lines.Length} line(s) in its starts:\n{string.Join('\n', lines)}");
            Assert.All(lines, line =>
            {
                Assert.StartsWith(SiloCannotStart, line, StringComparison.Ordinal);
                Assert.Contains("postgres:5432", line, StringComparison.Ordinal);
                Assert.Contains("password authentication failed", line, StringComparison.Ordinal);
            });
        }
        finally
        {
            await site.DockerOrFailAsync("rm", "-f", container);
        }
    }

    private static void AssertOneLine(CommandLine.Result result, string prefix, string named)
    {
        Assert.True(result.ExitCode != 0, $"exit code {result.ExitCode}:\n{result.Tail}");
        var line = Assert.Single(result.Output.Split('\n'), l => l.Contains(prefix, StringComparison.Ordinal));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }
}
