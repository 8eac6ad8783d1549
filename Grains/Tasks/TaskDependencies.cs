using System.Collections.Immutable;

namespace OrleansTasks.Tasks;

/// <summary>The rules a task's <c>depends_on</c> list follows, for single tasks and the tasks of a batch alike.</summary>
public static class TaskDependencies
{
    public const int MaxDependencies = 100;

    /// <summary>Refuses a list that is too long, names the task itself or names a task twice.</summary>
    public static void CheckShape(Guid taskId, ImmutableArray<Guid> dependencies, string field = "depends_on")
    {
        CheckCount(dependencies.Length, field);
        if (dependencies.Contains(taskId))
        {
            throw new InvalidTaskRequestException(field, "A task cannot depend on itself.");
        }

        CheckDistinct(dependencies, field);
    }

    /// <summary>Refuses more than <see cref="MaxDependencies"/> dependencies in all.</summary>
    public static void CheckCount(int count, string field)
    {
        if (count > MaxDependencies)
        {
            throw new InvalidTaskRequestException(field, $"A task may depend on at most {MaxDependencies} tasks.");
        }
    }

    /// <summary>Refuses a list that names a task twice.</summary>
    public static void CheckDistinct(ImmutableArray<Guid> dependencies, string field)
    {
        if (dependencies.Distinct().Count() != dependencies.Length)
        {
            throw new InvalidTaskRequestException(field, "'depends_on' lists a task more than once.");
        }
    }

    /// <summary>
    /// Refuses dependencies that do not exist or are another owner's: another user's task is answered
    /// like an unknown one, so ids cannot be probed. <paramref name="field"/> names entry i in the error.
    /// </summary>
    public static async Task CheckOwnedAsync(IGrainFactory grains, string ownerId, ImmutableArray<Guid> dependencies, Func<int, string> field)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(field);
        var found = await Task.WhenAll(dependencies.Select(id => grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot()));
        for (var i = 0; i < dependencies.Length; i++)
        {
            if (found[i] is not { } dependency || dependency.OwnerId != ownerId)
            {
                throw new InvalidTaskRequestException(field(i), $"Task {dependencies[i]} does not exist.");
            }
        }
    }
}
