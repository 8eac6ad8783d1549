namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>How many of a side's tasks were accepted, and when the last of them was.</summary>
internal sealed record Acceptance(int Count, DateTime Last)
{
    public static Acceptance Of<TId>(IReadOnlyCollection<Submission<TId>> submissions)
    {
        var accepted = submissions.Where(submission => submission.Id is not null).ToArray();
        return new Acceptance(accepted.Length, accepted.Length == 0 ? DateTime.UtcNow : accepted.Max(submission => submission.Accepted));
    }
}
