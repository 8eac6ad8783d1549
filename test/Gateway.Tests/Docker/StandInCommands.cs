namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// README's shell blocks run without Docker: <c>$C</c> stands for a script that records each
/// docker-compose command it is given, and runs PostgreSQL's tools of <c>exec -T postgres</c> on a
/// server of the test's own (README's user and database mapped to one database there), where
/// <c>down -v</c> drops that database and <c>up -d postgres</c> makes it again, empty (its
/// <c>pg_isready</c> never answers yes when STAND_IN_NEVER_READY is set); <c>sudo</c>
/// runs its command as the caller (root, in the tests that need it).
/// </summary>
public sealed class StandInCommands
{
    private const string Compose = """
        #!/usr/bin/env bash
        set -u
        echo "$*" >>"$STAND_IN_LOG"
        case "$*" in
          "down -v") exec "$PG_BIN/dropdb" --force -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DATABASE" ;;
          "up -d postgres") exec "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres -O "$PG_DATABASE" "$PG_DATABASE" ;;
          "exec -T postgres pg_isready "*) [ -z "${STAND_IN_NEVER_READY:-}" ] || exit 2 ;;
          "exec -T postgres "*) ;;
          *) exit 0 ;;
        esac
        shift 3
        tool=$1
        shift
        arguments=()
        for argument in "$@"; do
          case $argument in orleans|orleans_tasks) argument=$PG_DATABASE ;; esac
          arguments+=("$argument")
        done
        exec "$PG_BIN/$tool" -h 127.0.0.1 -p "$PG_PORT" "${arguments[@]}"
        """;

    private const string Sudo = """
        #!/bin/sh
        exec "$@"
        """;

    private readonly string _directory;
    private readonly Dictionary<string, string> _environment;

    public StandInCommands(string directory, IReadOnlyDictionary<string, string> postgres)
    {
        _directory = directory;
        var bin = Path.Combine(directory, "bin");
        Directory.CreateDirectory(bin);
        Write(Path.Combine(bin, "compose"), Compose);
        Write(Path.Combine(bin, "sudo"), Sudo);
        _environment = new Dictionary<string, string>(postgres)
        {
            ["C"] = Path.Combine(bin, "compose"),
            ["STAND_IN_LOG"] = Path.Combine(directory, "commands.log"),
            ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
        };
    }

    /// <summary>The docker-compose commands <c>$C</c> was given so far, one a line, without the program's name.</summary>
    public IReadOnlyList<string> Commands =>
        File.Exists(_environment["STAND_IN_LOG"]) ? File.ReadAllLines(_environment["STAND_IN_LOG"]) : [];

    /// <summary>The block in plain bash (no -e: as typed into a shell), in <paramref name="workingDirectory"/> or the stand-ins' directory.</summary>
    public Task<CommandLine.Result> RunAsync(string block, string? workingDirectory = null) =>
        CommandLine.RunAsync("bash", ["-c", block], _environment, TimeSpan.FromMinutes(2), workingDirectory ?? _directory);

    private static void Write(string file, string text)
    {
        File.WriteAllText(file, text.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
