namespace OrleansTasks.Gateway.Logging;

/// <summary>
/// Wraps a logger provider so that no credential in a URL reaches its sink: ASP.NET Core's
/// request logs carry the query string, where browsers' WebSocket clients put their token.
/// </summary>
public sealed class RedactingLoggerProvider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (inner is ISupportExternalScope scoped)
        {
            scoped.SetScopeProvider(scopeProvider);
        }
    }

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
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
    }

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
