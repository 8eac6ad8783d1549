using System.Reflection;

namespace OrleansTasks.Fuzz;

/// <summary>
/// An <see cref="IGrainFactory"/> double that records every call made on it and then refuses it: a
/// check meant to come before any grain call shows it did by leaving <see cref="Calls"/> empty.
/// </summary>
internal class RecordingGrainFactory : DispatchProxy
{
    public List<string> Calls { get; } = [];

    public static (IGrainFactory Factory, RecordingGrainFactory Recorder) Create()
    {
        var factory = Create<IGrainFactory, RecordingGrainFactory>();
        return (factory, (RecordingGrainFactory)(object)factory);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var name = targetMethod is null ? "?" : $"{targetMethod.Name}<{string.Join(",", targetMethod.GetGenericArguments().Select(type => type.Name))}>";
        Calls.Add(name);
        throw new GrainCallRefusedException(name);
    }
}

/// <summary>What <see cref="RecordingGrainFactory"/> throws for every call, after recording it.</summary>
internal sealed class GrainCallRefusedException(string call) : InvalidOperationException($"A grain was asked for ({call}).");
