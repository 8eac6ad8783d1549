using OrleansTasks.Gateway.Json;
using OrleansTasks.Uploads;

namespace OrleansTasks.Gateway.Apis;

/// <summary>The answer to <c>POST /api/uploads</c>: the id a task's <c>"source": {"upload": id}</c> names, the body's size and its documents (non-blank lines).</summary>
public sealed record UploadCreated(Guid UploadId, long Bytes, long Lines);

/// <summary>An upload as <c>GET /api/uploads/{id}</c> shows it.</summary>
public sealed record UploadView(Guid UploadId, long Bytes, long Lines, string CreatedAt, string OwnerId)
{
    public static UploadView From(UploadInfo upload) => new(upload.Id, upload.Bytes, upload.Lines, upload.CreatedAt.ToWire(), upload.OwnerId);
}
