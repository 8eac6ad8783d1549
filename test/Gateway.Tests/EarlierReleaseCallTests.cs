using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Gateway.Apis;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// What a call this build added meets when it reaches a silo of the previous release, which cannot read it: the
/// failure a retry met during a rolling upgrade when the gateway's cluster manifest (refreshed periodically) did not
/// list that silo yet, so that the check before the call passed. One silo of the previous build, no upgrade.
/// </summary>
public sealed class EarlierReleaseCallTests(PostgresServer postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task A_retry_that_reaches_a_silo_of_the_previous_release_is_answered_503_with_retry_after()
    {
        var previousSilo = await PreviousRelease.SiloAsync();
        var database = await postgres.CreateDatabaseAsync(migrate: false);
        await using var cluster = RunningCluster.Create(database);
        cluster.StartSilo(new Dictionary<string, string?> { ["Cluster:MigrateOnStart"] = "true" }, previousSilo);
        await Eventually.TrueAsync(async () => await cluster.ActiveSilosAsync() == 1, TimeSpan.FromMinutes(2),
            "the previous release's silo to apply its schema and join as active");
        await using var client = await cluster.ConnectClientAsync();

        // Made on the task grain's id: this client's manifest lists only the old silo, so it knows no grain type
        // serving the retry interface; a gateway that had heard of a silo of this build would.
        var taskGrain = GrainId.Create(GrainType.Create("index-task"), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid()));
        var failure = await Record.ExceptionAsync(() => client.Client.GetGrain<ITaskRetry>(taskGrain).Retry("user:alice", Guid.NewGuid()));
        output.WriteLine($"the previous release's silo answered {failure?.GetType()}: {failure?.Message}");

        Assert.NotNull(failure);
        Assert.True(ClusterSupport.UnknownToSilo<ITaskRetry>(failure), $"not recognised as a silo not knowing the retry: {failure}");
        Assert.False(ClusterSupport.UnknownToSilo<IBatchRetry>(failure), "a failure naming the task retry was taken for one of the batch retry");

        var http = new DefaultHttpContext();
        var answer = await RetryEndpoint.HandleAsync(
            Guid.NewGuid().ToString(), null, Admin, http, "task", everySiloServes: true, ClusterSupport.UnknownToSilo<ITaskRetry>,
            id => Task.FromResult<Owned?>(new Owned("user:alice")),
            _ => Guid.NewGuid(),
            (_, _, _) => Task.FromException<(string, TaskAccepted)>(failure),
            Problems.TaskNotFound);
        var problem = Assert.IsType<ProblemHttpResult>(answer.Result);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, problem.StatusCode);
        Assert.Equal("60", http.Response.Headers.RetryAfter.ToString());
    }

    private static readonly ClaimsPrincipal Admin = new(new ClaimsIdentity(
        [new Claim(TokenClaims.Subject, "operator"), new Claim(TokenClaims.Role, Roles.Admin)], "test", TokenClaims.Subject, TokenClaims.Role));

    private sealed record Owned(string OwnerId) : IOwned;
}
