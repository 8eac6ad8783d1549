namespace OrleansTasks.Gateway.Apis;

/// <summary>The JSON body of a create request.</summary>
public interface ICreateBody
{
    /// <summary>What the body describes, as error messages name it: <c>task</c>, <c>batch</c>, <c>schedule</c>.</summary>
    static abstract string Kind { get; }
}
