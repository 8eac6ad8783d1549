using System.Security.Cryptography;
using System.Text;

namespace OrleansTasks.Gateway.Apis;

/// <summary>A SHA-256 over everything a task request asks for, to tell a retry from a different request.</summary>
public static class RequestFingerprint
{
    public static string Of(StartIndexTask request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string? value)
        {
            var text = value ?? "\u0000null";
            hash.AppendData(BitConverter.GetBytes(text.Length));
            hash.AppendData(Encoding.UTF8.GetBytes(text));
        }

        Add(request.OwnerId);
        Add(request.Collection);
        Add(request.Source?.Directory);
        Add(request.Source?.Pattern);
        foreach (var document in request.Documents.IsDefault ? [] : request.Documents)
        {
            Add(document.Id);
            Add(document.Title);
            Add(document.Content);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
