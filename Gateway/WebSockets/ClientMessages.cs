using System.Text;
using System.Text.Json;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>Recognises the client's heartbeat: the text <c>ping</c> or JSON <c>{"type":"ping"}</c>. Anything else is ignored.</summary>
public static class ClientMessages
{
    private static readonly byte[] PlainPing = "ping"u8.ToArray();

    public static bool IsPing(ReadOnlySpan<byte> message)
    {
        if (message.SequenceEqual(PlainPing))
        {
            return true;
        }

        var trimmed = message.Trim(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{')
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(trimmed);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.TryGetProperty("type", out var type)
                && type.ValueKind == JsonValueKind.String
                && type.ValueEquals("ping");
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static string Describe(ReadOnlySpan<byte> message) => Encoding.UTF8.GetString(message[..Math.Min(message.Length, 64)]);
}
