using System.Security.Cryptography;
using System.Text;

namespace OrleansTasks.Indexing;

public static class ContentHash
{
    public static string Sha256Hex(string content) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
}
