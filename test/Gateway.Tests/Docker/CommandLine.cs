using System.Diagnostics;
using System.Text;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>A command run to its end within a deadline, its standard output and error kept together.</summary>
public static class CommandLine
{
    public sealed record Result(int ExitCode, string Output)
    {
        /// <summary>The last lines, for failure messages.</summary>
        public string Tail => string.Join('\n', Output.Split('\n').TakeLast(40));
    }

    public static async Task<Result> RunAsync(
        string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? RepositoryPaths.Root,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => Append(output, line.Data);
        process.ErrorDataReceived += (_, line) => Append(output, line.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Deadline.RunAsync(process.WaitForExitAsync, timeout, $"{Path.GetFileName(file)} {string.Join(' ', arguments)} to exit");
        }
        catch (TimeoutException exceeded)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output)
            {
                throw new TimeoutException($"{exceeded.Message} Its last lines:\n{new Result(-1, output.ToString()).Tail}", exceeded);
            }
        }

        process.WaitForExit();
        lock (output)
        {
            return new Result(process.ExitCode, output.ToString());
        }
    }

    /// <summary>Runs the command and fails the test, showing its last lines, when it exits non-zero.</summary>
    public static async Task<string> RunOrFailAsync(
        string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var result = await RunAsync(file, [.. arguments], environment, timeout);
        Assert.True(result.ExitCode == 0, $"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Tail}");
        return result.Output;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
