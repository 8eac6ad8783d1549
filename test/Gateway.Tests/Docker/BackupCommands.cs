namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>README's backup block and restore block (under "Where data lives, backup and restore"), as an operator copies them.</summary>
public static class BackupCommands
{
    private const string Heading = "### Where data lives, backup and restore";
    private const string ReadmeDump = "dump=~/orleans-tasks.dump\n";

    /// <summary>The two blocks with <paramref name="dump"/> for README's <c>~/orleans-tasks.dump</c>; fails when README's blocks are not the backup and then the restore.</summary>
    public static (string Backup, string Restore) Read(string dump)
    {
        var blocks = ReadmeCommands.Under(Heading).Select(block => block.ReplaceLineEndings("\n")).ToList();
        Assert.True(blocks.Count == 2, $"README's backup and restore has {blocks.Count} shell blocks, not two (backup, restore)");
        Assert.All(blocks, block => Assert.StartsWith(ReadmeDump, block, StringComparison.Ordinal));
        Assert.Contains("pg_dump", blocks[0], StringComparison.Ordinal);
        Assert.Contains("pg_restore -f /dev/null", blocks[0], StringComparison.Ordinal);
        Assert.StartsWith("$C exec -T postgres pg_restore -f /dev/null", blocks[1].Split('\n')[1], StringComparison.Ordinal);
        Assert.Contains("down -v", blocks[1], StringComparison.Ordinal);
        return (Located(blocks[0]), Located(blocks[1]));

        string Located(string block) => $"dump='{dump}'\n" + block[ReadmeDump.Length..];
    }
}
