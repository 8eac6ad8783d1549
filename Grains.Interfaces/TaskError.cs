namespace OrleansTasks;

/// <summary>
/// Why a whole task failed: a stable <see cref="Code"/>, a readable message, and the document or
/// the dependency that caused it, if one did.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskError")]
public sealed record TaskError(
    [property: Id(0)] string Code,
    [property: Id(1)] string Message,
    [property: Id(2)] string? DocumentId = null,
    [property: Id(3)] Guid? DependencyId = null);
