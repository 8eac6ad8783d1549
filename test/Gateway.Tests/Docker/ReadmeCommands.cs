using System.Text;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>The shell blocks README.md gives under one heading, read from the file so that a test runs what an operator copies.</summary>
public static class ReadmeCommands
{
    private const string Fence = "```";

    /// <summary>
    /// The <c>```sh</c> blocks after the line <paramref name="heading"/> (such as <c>### Rolling upgrade</c>)
    /// up to the next heading of its level or above, in order.
    /// </summary>
    public static IReadOnlyList<string> Under(string heading)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "README.md"));
        var start = Array.IndexOf(lines, heading);
        Assert.True(start >= 0, $"README.md has no line '{heading}'");
        var level = Level(heading);
        var blocks = new List<string>();
        StringBuilder? block = null;
        foreach (var line in lines.Skip(start + 1))
        {
            if (block is null && Level(line) is > 0 and var depth && depth <= level)
            {
                break;
            }

            if (block is null && line == Fence + "sh")
            {
                block = new StringBuilder();
            }
            else if (block is not null && line == Fence)
            {
                blocks.Add(block.ToString());
                block = null;
            }
            else
            {
                block?.AppendLine(line);
            }
        }

        return blocks;
    }

    /// <summary>A Markdown heading's level (the number of #s before a space); 0 for any other line.</summary>
    private static int Level(string line)
    {
        var hashes = line.TakeWhile(character => character == '#').Count();
        return hashes > 0 && line.Length > hashes && line[hashes] == ' ' ? hashes : 0;
    }
}
