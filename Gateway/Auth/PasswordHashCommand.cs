namespace OrleansTasks.Gateway.Auth;

/// <summary><c>hash-password</c>: reads a password from standard input and prints the hash to put under <c>Auth:Users</c>.</summary>
public static class PasswordHashCommand
{
    public const string Name = "hash-password";

    public static int Run(TextReader input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            output.WriteLine("Type the password on standard input, e.g.: echo 'secret' | dotnet run --project Gateway -- hash-password");
            return 2;
        }

        output.WriteLine(UserDirectory.Hash(password));
        return 0;
    }
}
