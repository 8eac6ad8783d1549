using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTasks.Gateway.Apis;

/// <summary>The problem answers the APIs share.</summary>
internal static class Problems
{
    public static ProblemHttpResult TaskNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Task not found",
            detail: "No task with this id exists for you.");

    public static ValidationProblem Invalid(InvalidRequestException exception) =>
        Invalid(string.IsNullOrEmpty(exception.Field) ? "request" : exception.Field, exception.Message);

    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult TooLarge(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large", detail: detail);
}
