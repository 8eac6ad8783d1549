namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>A document as a Hangfire job's argument (serialized by Hangfire into the job's row).</summary>
public sealed record PeerDocument(string Id, string Title, string Content);
