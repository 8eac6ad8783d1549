using System.Globalization;
using System.Net.Http.Headers;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// Who submits each task, and at which priority, on the sides with admission rules: the clients act as
/// <see cref="Users"/> users in turn (task n is user n mod 10's), each user's tasks a third each
/// <c>high</c>, <c>normal</c> and <c>low</c>. The Hangfire peer puts the same task into the queue of
/// its priority (<see cref="Queues"/>, which Hangfire.PostgreSql serves in alphabetical order).
/// </summary>
internal static class AdmissionMix
{
    public const int Users = 10;

    /// <summary>
    /// Tasks:MaxRunningPerUser. Two silos of two slots (<see cref="SiloSettings"/>: fixed, not the default that follows the
    /// machine's cores, so that ten users always outnumber the slots; <c>--slots 4</c> runs the shipped default here, eight
    /// slots, still fewer than the users) run four tasks at once; without a limit one user
    /// of ten holds two or more of them at times (the plain side's figures show it), and with ten users
    /// waiting there is always another user's task to fill a slot, so a limit of 1 binds without leaving
    /// slots idle: what it costs is the admission work, not capacity.
    /// </summary>
    public const int MaxRunningPerUser = 1;

    /// <summary>Hangfire's queues for high, normal and low, in the order its PostgreSQL storage serves them.</summary>
    public static readonly string[] Queues = ["critical", "default", "low"];

    /// <summary>The slots a silo of both OrleansTasks sides of <c>--admission</c> has unless <c>--slots</c> says otherwise.</summary>
    public const int DefaultSlots = 2;

    /// <summary>The slots of both OrleansTasks sides of <c>--admission</c>, the plain one too, so that the two differ only by the rules.</summary>
    public static IReadOnlyDictionary<string, string?> PlainSettings(int slots) => new Dictionary<string, string?>
    {
        ["Tasks:MaxRunningPerSilo"] = slots.ToString(CultureInfo.InvariantCulture),
    };

    public static IReadOnlyDictionary<string, string?> SiloSettings(int slots) => new Dictionary<string, string?>(PlainSettings(slots))
    {
        ["Tasks:MaxRunningPerUser"] = MaxRunningPerUser.ToString(CultureInfo.InvariantCulture),
    };

    public static int UserOf(int task) => task % Users;

    public static TaskPriority PriorityOf(int task) => ((task / Users) % 3) switch
    {
        0 => TaskPriority.High,
        1 => TaskPriority.Normal,
        _ => TaskPriority.Low,
    };

    public static string QueueOf(int task) => Queues[TaskPriority.High - PriorityOf(task)];

    /// <summary>A fresh bearer token for each user (tokens last an hour), by user number.</summary>
    public static AuthenticationHeaderValue[] Callers() =>
        [.. Enumerable.Range(0, Users).Select(user => new AuthenticationHeaderValue("Bearer", TestTokens.For(UserName(user))))];

    private static string UserName(int user) => string.Create(CultureInfo.InvariantCulture, $"user{user:D2}");
}
