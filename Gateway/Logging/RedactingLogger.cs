namespace OrleansTasks.Gateway.Logging;

/// <summary>
/// A logger that blanks credentials from URLs (<see cref="CredentialRedactor"/>) in the message and
/// the structured values before they reach any sink. It wraps the host's logger for a category,
/// which then fans out to the providers under their own filters.
/// </summary>
public sealed class RedactingLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }

        if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            if (!values.Any(value => CredentialRedactor.MayContain(value.Value as string)))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var message = CredentialRedactor.Redact(formatter(state, exception));
            inner.Log(logLevel, eventId, new RedactedState(message, Redact(values)), exception, static (s, _) => s.Message);
            return;
        }

        var text = formatter(state, exception);
        if (CredentialRedactor.MayContain(text))
        {
            inner.Log(logLevel, eventId, new RedactedState(CredentialRedactor.Redact(text), []), exception, static (s, _) => s.Message);
            return;
        }

        inner.Log(logLevel, eventId, state, exception, formatter);
    }

    private static List<KeyValuePair<string, object?>> Redact(IReadOnlyList<KeyValuePair<string, object?>> values) =>
        [.. values.Select(value => value.Value is string text ? new KeyValuePair<string, object?>(value.Key, CredentialRedactor.Redact(text)) : value)];

    /// <summary>The redacted message with the redacted structured values, as structured sinks read them.</summary>
    private sealed class RedactedState(string message, List<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message { get; } = message;

        public int Count => values.Count;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}
