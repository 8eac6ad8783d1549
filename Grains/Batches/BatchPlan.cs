using System.Collections.Immutable;
using OrleansTasks.Tasks;

namespace OrleansTasks.Batches;

/// <summary>
/// Checks a <see cref="CreateBatch"/> as a whole before anything is created — each task, the
/// references among them, cycles — and gives the order to create its tasks in: every task after
/// those it waits for. Throws <see cref="InvalidTaskRequestException"/> naming the offending field.
/// </summary>
public static class BatchPlan
{
    public const int MaxRefLength = 100;

    /// <summary>The tasks' indexes in creation order; <paramref name="refs"/> gets each task's reference.</summary>
    public static IReadOnlyList<int> Order(CreateBatch request, TasksOptions limits, out IReadOnlyList<string> refs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        var tasks = request.Tasks.IsDefault ? [] : request.Tasks;
        if (tasks.Length == 0)
        {
            throw new InvalidTaskRequestException("tasks", "A batch needs at least one task.");
        }

        if (tasks.Length > limits.MaxBatchTasks)
        {
            throw new InvalidTaskRequestException("tasks", $"A batch holds at most {limits.MaxBatchTasks} tasks; this one has {tasks.Length}.");
        }

        var names = ReadRefs(tasks);
        var indexOf = names.Select((name, index) => (name, index)).ToDictionary(x => x.name, x => x.index, StringComparer.Ordinal);
        var waitsFor = new List<int>[tasks.Length];
        long documents = 0;
        for (var i = 0; i < tasks.Length; i++)
        {
            var task = tasks[i] ?? throw new InvalidTaskRequestException($"tasks[{i}]", "A task must be an object.");
            Validate(i, task, request.OwnerId, limits);
            documents += task.Documents.IsDefault ? 0 : task.Documents.Length;
            waitsFor[i] = LocalDependencies(i, task, indexOf);
        }

        if (documents > limits.MaxBatchDocuments)
        {
            throw new InvalidTaskRequestException("tasks", $"A batch holds at most {limits.MaxBatchDocuments} documents in all; this one has {documents}.");
        }

        refs = names;
        return TopologicalOrder(waitsFor, names);
    }

    private static string[] ReadRefs(ImmutableArray<BatchTaskSpec> tasks)
    {
        var names = new string[tasks.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tasks.Length; i++)
        {
            var name = tasks[i]?.Ref;
            if (string.IsNullOrEmpty(name))
            {
                throw new InvalidTaskRequestException($"tasks[{i}].ref", "Every task of a batch needs a 'ref' that names it within the batch.");
            }

            if (name.Length > MaxRefLength || name.Any(char.IsControl))
            {
                throw new InvalidTaskRequestException($"tasks[{i}].ref", $"A 'ref' is 1–{MaxRefLength} characters without control characters.");
            }

            if (!seen.Add(name))
            {
                throw new InvalidTaskRequestException($"tasks[{i}].ref", $"The ref '{name}' names more than one task of the batch.");
            }

            names[i] = name;
        }

        return names;
    }

    private static void Validate(int index, BatchTaskSpec task, string ownerId, TasksOptions limits)
    {
        try
        {
            TaskRequestValidator.Validate(
                new StartIndexTask(ownerId, task.Collection, task.Documents, task.Source, Retry: task.Retry, Timeout: task.Timeout)
                {
                    Priority = task.Priority,
                    Upload = task.Upload,
                    DeleteMissing = task.DeleteMissing,
                }, limits);
        }
        catch (InvalidTaskRequestException exception)
        {
            throw new InvalidTaskRequestException($"tasks[{index}].{exception.Field}", exception.Message);
        }

        var external = task.DependsOn.IsDefault ? [] : task.DependsOn;
        var local = task.After.IsDefault ? [] : task.After;
        TaskDependencies.CheckCount(external.Length + local.Length, $"tasks[{index}].depends_on");
        TaskDependencies.CheckDistinct(external, $"tasks[{index}].depends_on");
    }

    private static List<int> LocalDependencies(int index, BatchTaskSpec task, Dictionary<string, int> indexOf)
    {
        var result = new List<int>();
        var local = task.After.IsDefault ? [] : task.After;
        for (var j = 0; j < local.Length; j++)
        {
            var field = $"tasks[{index}].after[{j}]";
            if (local[j] is null || !indexOf.TryGetValue(local[j], out var other))
            {
                throw new InvalidTaskRequestException(field, $"No task of this batch has the ref '{local[j]}'.");
            }

            if (other == index)
            {
                throw new InvalidTaskRequestException(field, "A task cannot wait for itself.");
            }

            if (result.Contains(other))
            {
                throw new InvalidTaskRequestException(field, $"'after' names '{local[j]}' more than once.");
            }

            result.Add(other);
        }

        return result;
    }

    /// <summary>Kahn's algorithm; what is left over once no task is free lies on a cycle, which is named in the error.</summary>
    private static List<int> TopologicalOrder(List<int>[] waitsFor, string[] names)
    {
        var remaining = waitsFor.Select(list => list.Count).ToArray();
        var dependants = Enumerable.Range(0, waitsFor.Length).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < waitsFor.Length; i++)
        {
            foreach (var dependency in waitsFor[i])
            {
                dependants[dependency].Add(i);
            }
        }

        var ready = new Queue<int>(Enumerable.Range(0, waitsFor.Length).Where(i => remaining[i] == 0));
        var order = new List<int>(waitsFor.Length);
        while (ready.TryDequeue(out var next))
        {
            order.Add(next);
            foreach (var dependant in dependants[next])
            {
                if (--remaining[dependant] == 0)
                {
                    ready.Enqueue(dependant);
                }
            }
        }

        if (order.Count < waitsFor.Length)
        {
            var cycle = FindCycle(waitsFor, remaining);
            throw new InvalidTaskRequestException("tasks",
                "The tasks' 'after' references form a cycle: " + string.Join(" → ", cycle.Select(i => names[i])) + ".");
        }

        return order;
    }

    /// <summary>Walks 'waits for' edges among the tasks left over until one repeats: that stretch is a cycle.</summary>
    private static List<int> FindCycle(List<int>[] waitsFor, int[] remaining)
    {
        var current = Array.FindIndex(remaining, count => count > 0);
        var path = new List<int>();
        var position = new Dictionary<int, int>();
        while (!position.ContainsKey(current))
        {
            position[current] = path.Count;
            path.Add(current);
            current = waitsFor[current].First(dependency => remaining[dependency] > 0);
        }

        var cycle = path.Skip(position[current]).ToList();
        cycle.Add(current);
        return cycle;
    }
}
