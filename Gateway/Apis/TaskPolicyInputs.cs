using System.Text.Json;
using System.Xml;
using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// The <c>retry</c> and <c>timeout</c> of a task body. Durations are ISO 8601 strings (<c>"PT30M"</c>,
/// <c>"PT0.5S"</c>) like <c>every</c> of a schedule; a bare number is refused, since nothing would
/// say whether it counts seconds or milliseconds. <c>"timeout": "none"</c> asks for no limit, whatever
/// <c>Tasks:DefaultTimeout</c> says. The ranges are checked by the grain.
/// </summary>
internal static class TaskPolicyInputs
{
    /// <summary>The <c>timeout</c> of a task without a time limit.</summary>
    public const string NoTimeout = "none";

    /// <summary>400 naming the first duration that is not an ISO 8601 string; <paramref name="prefix"/> places the field.</summary>
    public static ValidationProblem? Check(RetryInput? retry, JsonElement? timeout, string prefix)
    {
        foreach (var (value, field) in new[] { (timeout, "timeout"), (retry?.InitialInterval, "retry.initial_interval"), (retry?.MaxInterval, "retry.max_interval") })
        {
            if (value is { ValueKind: not JsonValueKind.Null } given && !TryParse(given, out _) && !(field == "timeout" && IsNone(given)))
            {
                return Problems.Invalid(prefix + field, given.ValueKind == JsonValueKind.Number
                    ? $"'{field}' is an ISO 8601 duration string such as \"PT30S\", not a number: write {given.GetRawText()} seconds as \"PT{given.GetRawText()}S\"."
                    : field == "timeout"
                        ? $"'{field}' is an ISO 8601 duration such as \"PT30S\", \"PT30M\" or \"P1D\", or \"{NoTimeout}\" for no limit."
                        : $"'{field}' is an ISO 8601 duration such as \"PT30S\", \"PT30M\" or \"P1D\".");
            }
        }

        return null;
    }

    public static TaskRetryPolicy? Retry(RetryInput? retry) => retry is null
        ? null
        : new TaskRetryPolicy(retry.MaxAttempts, Duration(retry.InitialInterval), retry.Backoff, Duration(retry.MaxInterval));

    /// <summary>A <c>timeout</c> that passed <see cref="Check"/>: <see cref="StartIndexTask.NoTimeout"/> for <c>"none"</c>; null when not given.</summary>
    public static TimeSpan? Timeout(JsonElement? value) =>
        value is { } given && IsNone(given) ? StartIndexTask.NoTimeout : Duration(value);

    /// <summary>A duration that passed <see cref="Check"/>; null when not given.</summary>
    public static TimeSpan? Duration(JsonElement? value) =>
        value is { ValueKind: not JsonValueKind.Null } given && TryParse(given, out var duration) ? duration : null;

    /// <summary>A duration as the API writes it (<c>PT30M</c>); a schedule template's <c>"none"</c> as given.</summary>
    public static string? ToWire(TimeSpan? duration) => duration switch
    {
        null => null,
        { } value when value == StartIndexTask.NoTimeout => NoTimeout,
        { } value => XmlConvert.ToString(value),
    };

    private static bool IsNone(JsonElement value) => value.ValueKind == JsonValueKind.String && value.ValueEquals(NoTimeout);

    private static bool TryParse(JsonElement value, out TimeSpan duration)
    {
        duration = default;
        if (value.ValueKind != JsonValueKind.String || value.GetString() is not ['P', ..] text)
        {
            return false;
        }

        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
