using System.Text;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>Where the HS256 key comes from: the value, or a file such as a Docker secret.</summary>
public sealed class SigningKeyTests
{
    [Fact]
    public void A_key_file_gives_the_same_key_as_the_value_it_holds_with_its_line_end()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("orleans-tasks-key-").FullName, "signing_key");
        File.WriteAllText(file, TestTokens.SigningKey + "\n");

        var fromFile = SigningKey.From(new AuthOptions { SigningKeyFile = file }, isDevelopment: false)!;

        Assert.Equal(Encoding.UTF8.GetBytes(TestTokens.SigningKey), fromFile.Key.Key);
        Assert.False(fromFile.Generated);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }

    [Fact]
    public void The_value_wins_over_the_file_so_a_site_may_mount_an_empty_secret()
    {
        var key = SigningKey.From(new AuthOptions { SigningKey = TestTokens.SigningKey, SigningKeyFile = "/dev/null" }, isDevelopment: false)!;

        Assert.Equal(Encoding.UTF8.GetBytes(TestTokens.SigningKey), key.Key.Key);
    }
}
