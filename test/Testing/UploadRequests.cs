using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Xunit;

namespace OrleansTasks.Testing;

/// <summary>Sends JSON-lines bodies to <c>POST /api/uploads</c> as a client streaming a file would: chunked, with no length.</summary>
public static class UploadRequests
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, byte[] body, string contentType = "application/x-ndjson")
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = new StreamContent(new MemoryStream(body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Content.Headers.ContentLength = null;
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>Uploads <paramref name="body"/>; anything but 201 fails. Returns the upload's id.</summary>
    public static async Task<Guid> UploadAsync(HttpClient client, byte[] body)
    {
        var (status, answer) = await SendAsync(client, body);
        Assert.True(status == HttpStatusCode.Created, $"the upload answered {(int)status}: {answer}");
        return answer.GetProperty("upload_id").GetGuid();
    }
}
