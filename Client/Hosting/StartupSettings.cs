using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>
/// Binds and validates a settings section that is read while the host is built, before options
/// validation runs: a value that does not convert or is out of range stops the start with a
/// <see cref="StartupException"/> whose message is one line naming the section and the setting.
/// </summary>
internal static class StartupSettings
{
    /// <summary>The section <paramref name="sectionName"/> bound to a new <typeparamref name="T"/>, changed by <paramref name="configure"/> when given, and validated.</summary>
    public static T Read<T>(IConfiguration configuration, string sectionName, Action<T>? configure = null)
        where T : class, new()
    {
        var settings = Bind<T>(configuration, sectionName);
        configure?.Invoke(settings);
        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), problems, validateAllProperties: true))
        {
            throw new StartupException($"{sectionName}: {string.Join(" ", problems.Select(problem => problem.ErrorMessage))}");
        }

        return settings;
    }

    /// <summary>
    /// The section <paramref name="sectionName"/> bound to a new <typeparamref name="T"/>, not validated (its options
    /// validation runs at start): only a value that does not convert stops the start here, with one line.
    /// </summary>
    public static T Bind<T>(IConfiguration configuration, string sectionName)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new T();
        try
        {
            configuration.GetSection(sectionName).Bind(settings);
        }
        catch (InvalidOperationException exception)
        {
            // The binder's message names the key, the type and the value: only text, which never fails to convert, holds secrets.
            throw new StartupException($"{sectionName}: {exception.Message}", exception);
        }

        return settings;
    }
}
