using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace OrleansTasks.Gateway.Apis;

/// <summary>A SHA-256 over everything a task request asks for, to tell a retry from a different request.</summary>
public static class RequestFingerprint
{
    public static string Of(StartIndexTask request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Sha256(hash =>
        {
            Add(hash, request.OwnerId);
            AddTask(hash, request.Collection, request.Documents, request.Source);
            AddSourceOptions(hash, request.Upload, request.DeleteMissing);

            AddDependencies(hash, [], request.Dependencies);
            if (request.RunAt is { } runAt)
            {
                Add(hash, "run_at:" + runAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            AddPolicies(hash, request.Retry, request.Timeout, request.Priority);
        });
    }

    public static string Of(CreateBatch request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Sha256(hash =>
        {
            Add(hash, "batch");
            Add(hash, request.OwnerId);
            foreach (var task in request.Tasks)
            {
                Add(hash, task.Ref);
                AddTask(hash, task.Collection, task.Documents, task.Source);
                AddSourceOptions(hash, task.Upload, task.DeleteMissing);
                AddDependencies(hash, task.After.IsDefault ? [] : task.After, task.DependsOn.IsDefault ? [] : task.DependsOn);
                AddPolicies(hash, task.Retry, task.Timeout, task.Priority);
            }
        });
    }

    public static string Of(CreateSchedule request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Sha256(hash =>
        {
            Add(hash, "schedule");
            Add(hash, request.OwnerId);
            Add(hash, request.Name);
            AddTask(hash, request.Task.Collection, request.Task.Documents, request.Task.Source);
            AddSourceOptions(hash, null, request.Task.DeleteMissing);
            AddPolicies(hash, request.Task.Retry, request.Task.Timeout, request.Task.Priority);
            var trigger = request.Trigger;
            Add(hash, $"{trigger.At:O}|{trigger.Every}|{trigger.StartAt:O}|{trigger.Cron}|{trigger.TimeZone}|{request.Missed}|{request.Overlap}|{request.Paused}");
        });
    }

    private static void AddPolicies(IncrementalHash hash, TaskRetryPolicy? retry, TimeSpan? timeout, TaskPriority priority)
    {
        if (priority != TaskPriority.Normal)
        {
            // Only when not the default, so the fingerprints of bodies without a priority stay as they were.
            Add(hash, "priority:" + priority.ToWireName());
        }

        if (retry is not null)
        {
            Add(hash, $"retry:{retry.MaxAttempts}|{retry.InitialInterval?.Ticks}|{retry.Backoff?.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}|{retry.MaxInterval?.Ticks}");
        }

        if (timeout is { } limit)
        {
            Add(hash, "timeout:" + limit.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static string Sha256(Action<IncrementalHash> write)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        write(hash);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AddTask(IncrementalHash hash, string collection, ImmutableArray<IndexDocument> documents, DirectorySource? source)
    {
        Add(hash, collection);
        Add(hash, source?.Directory);
        Add(hash, source?.Pattern);
        foreach (var document in documents.IsDefault ? [] : documents)
        {
            Add(hash, document.Id);
            Add(hash, document.Title);
            Add(hash, document.Content);
        }
    }

    /// <summary>Adds nothing for a task without an upload or <c>delete_missing</c>, so such a task's fingerprint is what it always was.</summary>
    private static void AddSourceOptions(IncrementalHash hash, Guid? upload, bool deleteMissing)
    {
        if (upload is { } id)
        {
            Add(hash, "upload:" + id);
        }

        if (deleteMissing)
        {
            Add(hash, "delete_missing");
        }
    }

    /// <summary>Adds nothing for a task without dependencies, so such a task's fingerprint is what it always was.</summary>
    private static void AddDependencies(IncrementalHash hash, ImmutableArray<string> after, ImmutableArray<Guid> dependsOn)
    {
        foreach (var name in after)
        {
            Add(hash, "after:" + name);
        }

        foreach (var id in dependsOn)
        {
            Add(hash, "depends_on:" + id);
        }
    }

    private static void Add(IncrementalHash hash, string? value)
    {
        var text = value ?? "\u0000null";
        hash.AppendData(BitConverter.GetBytes(text.Length));
        hash.AppendData(Encoding.UTF8.GetBytes(text));
    }
}
