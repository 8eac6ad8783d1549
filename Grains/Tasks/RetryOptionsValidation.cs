using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansTasks.Tasks;

/// <summary>Checks <c>Tasks:Retry</c>, which the data annotations of <see cref="TasksOptions"/> do not reach, at start.</summary>
public sealed class RetryOptionsValidation : IValidateOptions<TasksOptions>
{
    public ValidateOptionsResult Validate(string? name, TasksOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options.Retry, new ValidationContext(options.Retry), results, validateAllProperties: true)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(result => $"Tasks:Retry: {result.ErrorMessage}"));
    }
}
