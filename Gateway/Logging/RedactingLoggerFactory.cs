namespace OrleansTasks.Gateway.Logging;

/// <summary>
/// The host's logger factory with every logger it hands out wrapped in a <see cref="RedactingLogger"/>.
/// Redacting here, before the factory's logger fans a line out to the providers, leaves the
/// providers themselves unwrapped, so their own filters (<c>Logging:Console:LogLevel</c> and the
/// like, which match a provider by its type) keep working.
/// </summary>
public sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}
