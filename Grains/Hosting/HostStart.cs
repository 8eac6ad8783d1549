using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OrleansTasks.Hosting;

/// <summary>
/// How a host's run ended before it had started. Whatever fails a start once the host runs (a port taken
/// after <see cref="PortsInUse"/> looked, an https endpoint whose certificate cannot be read) is logged by
/// the host, and then must end the process with exit code 1 and one last line rather than as an unhandled
/// exception (an abort, exit code 134). A stop asked for while the host was starting (Ctrl+C, SIGTERM from
/// <c>docker stop</c>) is no failure. A failure after the start is neither of these.
/// </summary>
public sealed class HostStart
{
    // The tokens, not the lifetime: once a run has failed, the host and its services are disposed.
    private (CancellationToken Started, CancellationToken Stopping)? _tokens;

    /// <summary>Watches <paramref name="host"/>'s start: call it just before running the host.</summary>
    public void Watch(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        _tokens = (lifetime.ApplicationStarted, lifetime.ApplicationStopping);
    }

    /// <summary>The watched host ran and did not start, and no one asked it to stop.</summary>
    public bool Failed => _tokens is { } tokens && !tokens.Started.IsCancellationRequested && !tokens.Stopping.IsCancellationRequested;

    /// <summary>The watched host was asked to stop before it had started.</summary>
    public bool StoppedWhileStarting => _tokens is { } tokens && !tokens.Started.IsCancellationRequested && tokens.Stopping.IsCancellationRequested;

    /// <summary>The failure as one line: a message may hold several, or none.</summary>
    public static string OneLine(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = string.Join(' ', exception.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return message.Length > 0 ? message : exception.GetType().Name;
    }
}
