using System.Globalization;
using System.Text;

namespace OrleansTasks.Grains.Tests.Uploads;

/// <summary>JSON-lines bodies for upload tests: documents, blank lines and one bad line, large enough to span chunks.</summary>
internal static class UploadBodies
{
    /// <summary><paramref name="documents"/> good lines of about 400 bytes, a blank line after every 100th, and line 3 not JSON.</summary>
    public static byte[] Lines(int documents, out int goodLines)
    {
        var text = new StringBuilder();
        goodLines = 0;
        for (var i = 0; i < documents; i++)
        {
            if (i == 2)
            {
                text.Append("{not json\n");
                continue;
            }

            text.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"doc-{i}\",\"title\":\"Document {i}\",\"content\":\"{new string('x', 340)} {i}\"}}\n");
            goodLines++;
            if (i % 100 == 99)
            {
                text.Append(" \t\r\n");
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}

/// <summary>A body that breaks after <paramref name="failAfter"/> bytes, as a client that disconnects midway.</summary>
internal sealed class BrokenBody(byte[] body, int failAfter) : MemoryStream(body, writable: false)
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Position >= failAfter)
        {
            throw new IOException("The client disconnected.");
        }

        return await base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, failAfter - Position)], cancellationToken);
    }
}
