namespace OrleansTasks.Storage.Schema;

/// <summary>One forward-only schema step: <c>NNNN_name.sql</c>, applied once, in version order.</summary>
public sealed record Migration(int Version, string Name, string Sql);
