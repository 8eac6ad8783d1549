using System.Globalization;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// docker/compose.yaml as an operator without registry access runs it: a Docker engine of the
/// test's own, then README's three commands (base images from debootstrap, the applications
/// published on this host and the site's settings, up with Compose 1.29) and its scaling command;
/// then a silo and a gateway killed and a gateway stopped under watched tasks, a silo's process
/// dying and its restart policy bringing it back, a silo stopped under a task draining it, bad
/// settings, a gateway signing users in through an identity provider, the site taken down and up
/// again with its TLS profile and its signing key from a secret, restored by README's backup and
/// restore into a fresh volume, and upgraded one container at a time by README's own commands.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed partial class ComposeSiteTests
{
    /// <summary>Documents (above the default Tasks:MaxDocuments, raised for the site) and words per document of a task: long enough that each kill lands well inside it.</summary>
    private const int Documents = 30_000;
    private const int Words = 60;

    /// <summary>
    /// Lines of the uploaded task a silo is killed or stopped under: 9.4 s of work in a run here (21,000 a second),
    /// where 30,000 inline documents (near nginx's 32 MiB body limit at 60 words) once ended in 5.4 s before their
    /// silo was stopped. About 20 MB of lines of four words, under that limit.
    /// </summary>
    private const int UploadLines = 200_000;
    private const string Password = "compose-site-password";
    /// <summary>How long a build may take before it is deemed stuck; <see cref="Budget"/> is what the whole test is held to.</summary>
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// What the site's test may take in CI, base images and all: a guard against a step growing, not a
    /// tight bound. Alone on this project's two-core machines it took 13–15 min; with a build beside it, 17.6 min (the
    /// release's publish in the rolling upgrade shares the processor).
    /// </summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task The_site_builds_without_a_registry_and_keeps_its_promises_through_silo_and_gateway_kills_and_a_restart()
    {
        var dockerd = SystemDependencies.Dockerd();
        var clock = new StepClock(nameof(ComposeSiteTests));
        await using var engine = await clock.StepAsync("its own dockerd, stale ones removed", () => DockerEngine.StartAsync(dockerd, TestSubnet + "."));
        var port = FreePorts.Next();
        var variables = SiteVariables(engine, port);
        var site = new ComposeSite(engine, variables);
        try
        {
            await clock.StepAsync("compose refusing missing settings", () => Refuses_to_start_without_a_signing_key_a_database_password_or_a_users_file(engine, site));
            var (baseImages, newSite, up) = ThreeCommands(site);
            await Task.WhenAll(
                clock.StepAsync("README 1/3: build-base-images.sh", () => site.ShellOrFailAsync(baseImages, BuildTimeout)),
                clock.StepAsync("README 2/3: new-site.sh (publish, first user, site.env)", () => site.ShellOrFailAsync(newSite, BuildTimeout)));
            await clock.StepAsync("the postgres image's variables", () => The_postgres_image_honours_its_variables_and_a_custom_PGDATA(engine));
            await AddUsersAndTheSigningKeySecretAsync(site, engine.Directory);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var operatorCookie = await clock.StepAsync("README 3/3: up --build, ready, signed in", async () =>
            {
                await site.ShellOrFailAsync(up, BuildTimeout);
                await WaitUntilReadyAsync(site, http, silos: 2);
                await SignInAsync(http, "admin", ReadmePassword(newSite));
                http.DefaultRequestHeaders.Authorization = new("Bearer", await SignInAsync(http, "demo"));
                return await Every_gateway_behind_nginx_accepts_the_operator_cookie(http);
            });
            await clock.StepAsync("nothing pulled, logs rotated", async () =>
            {
                await Nothing_was_pulled_and_postgres_runs_the_local_image(site);
                await Every_container_logs_through_the_rotated_json_file_driver(site);
            });
            await clock.StepAsync("README's scaling to 3 silos and 3 gateways", () => Scaled_by_the_README_s_command_every_new_member_serves(site, http, port));

            var first = await clock.StepAsync("a silo killed under a task", () => A_silo_killed_under_a_task_loses_nothing(site, http, port));
            var second = await clock.StepAsync("a gateway killed under a socket", () => A_killed_gateway_s_socket_reconnects_through_nginx(site, http, port));
            await clock.StepAsync("a gateway stopped under a socket", () => A_stopped_gateway_s_socket_closes_with_1001_and_reconnects_through_nginx(site, http, port));
            await clock.StepAsync("a silo's process dying", () => A_silo_whose_process_dies_is_brought_back_by_its_restart_policy(site, http));
            await clock.StepAsync("a silo stopped under a task", () => A_silo_stopped_under_a_task_drains_it_and_exits_within_its_grace_period(site, http, port));
            await clock.StepAsync("bad settings", () => Bad_settings_stop_a_container_with_one_line(site, engine.Directory));
            await clock.StepAsync("a gateway with an identity provider", () => A_gateway_with_an_identity_provider_takes_its_tokens_only(site, http, engine.Directory));

            await clock.StepAsync("down, then up with the TLS profile and the key from a secret, ready", async () =>
            {
                await site.RunOrFailAsync("down");
                await CommandLine.RunOrFailAsync("bash", ["docker/make-certificates.sh", variables["ORLEANSTASKS_TLS_DIR"]], engine.Environment, TimeSpan.FromMinutes(1));
                await The_certificates_private_keys_are_readable_by_their_user_only(variables["ORLEANSTASKS_TLS_DIR"]);
                site.Tls = true;
                TakeTheSigningKeyFromTheSecret(variables, engine.Directory);
                await site.RunOrFailAsync("up", "-d");
                await WaitUntilReadyAsync(site, http, silos: 2);
            });
            using var https = HttpsClient(variables);
            await clock.StepAsync("data kept, TLS served and required", async () =>
            {
                https.DefaultRequestHeaders.Authorization = new("Bearer", await SignInAsync(https, "demo"));
                await History_results_and_search_survived(https, first, second);
                await AssertDashboardOpensAsync(https, operatorCookie, "after down and up (the key ring is in its volume)");
                await With_the_TLS_profile_the_cluster_uses_its_certificates_and_nginx_serves_https(site, https, second);
                await Plain_http_redirects_to_https_and_untrusted_peers_are_refused(site, engine, variables, port);
            });

            await clock.StepAsync("backup, restore into a fresh volume, ready", async () =>
            {
                await Restored_from_a_pg_dump_backup_into_a_fresh_volume(site, engine.Directory);
                await WaitUntilReadyAsync(site, http, silos: 2);
                await History_results_and_search_survived(https, first, second);
            });
            await clock.StepAsync("README's rolling upgrade", () => The_README_s_rolling_upgrade_replaces_every_container_under_a_watched_task(site, https, variables));
            Console.WriteLine($"ComposeSiteTests: the whole site's test took {clock.Elapsed.TotalMinutes:F1} min (budget {Budget.TotalMinutes} min)");
            Assert.True(clock.Elapsed < Budget, $"the site's test took {clock.Elapsed.TotalMinutes:F1} min, beyond its budget of {Budget.TotalMinutes} min");
        }
        finally
        {
            await clock.StepAsync("down -v, images removed", () => site.RunAsync("down", "-v", "--rmi", "all", "--timeout", "10"));
        }
    }

    /// <summary>
    /// The site network's subnet in this test, not the file's default: a site of the file's own may run on
    /// the same host, and a bridge a killed run left on the test's subnet is removed by it (<see cref="LeftoverBridges"/>).
    /// </summary>
    private const string TestSubnet = "172.31.251";

    /// <summary>
    /// What the test sets beyond README's <c>docker/site.env</c>: its own publish directory, ports, subnet,
    /// certificates and task size, and scratch space (debootstrap's root file system) inside the
    /// engine's directory, which is unmounted and removed at the end even when a step was killed at
    /// its deadline and its own clean-up never ran.
    /// </summary>
    private static Dictionary<string, string> SiteVariables(DockerEngine engine, int port) => new()
    {
        ["ORLEANSTASKS_PUBLISH_DIR"] = Path.Combine(engine.Directory, "publish"),
        ["TMPDIR"] = engine.Directory,
        ["ORLEANSTASKS_MAX_DOCUMENTS"] = Documents.ToString(CultureInfo.InvariantCulture),
        ["ORLEANSTASKS_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture),
        ["ORLEANSTASKS_SUBNET"] = TestSubnet + ".0/24",
        ["ORLEANSTASKS_IP_RANGE"] = TestSubnet + ".128/25",
        ["ORLEANSTASKS_PROXY_ADDRESS"] = TestSubnet + ".2",
        ["ORLEANSTASKS_HTTPS_PORT"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
        ["ORLEANSTASKS_TLS_DIR"] = Path.Combine(engine.Directory, "tls"),
    };

    /// <summary>The test's users added to the users file new-site.sh made beside the env file, and the site's signing key (from the env file) in a secret file for later.</summary>
    private static async Task AddUsersAndTheSigningKeySecretAsync(ComposeSite site, string directory)
    {
        var users = Path.Combine(Path.GetDirectoryName(site.EnvFile)!, "users.json");
        Assert.True(File.Exists(users), $"new-site.sh made no users file beside {site.EnvFile}");
        await site.ShellOrFailAsync($"echo '{Password}' | docker/add-user.sh '{users}' demo && echo '{Password}' | docker/add-user.sh '{users}' operator admin");
        await AssertPrivateAsync(users, ContainerUser);
        var signingKey = File.ReadAllLines(site.EnvFile).Single(line => line.StartsWith("SIGNING_KEY=", StringComparison.Ordinal))["SIGNING_KEY=".Length..];
        await WriteSigningKeySecretAsync(directory, signingKey);
    }
}
