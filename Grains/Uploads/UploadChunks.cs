namespace OrleansTasks.Uploads;

/// <summary>The size of an upload's chunks: every chunk but the last holds exactly this many bytes, so that the chunk holding an offset is found by division.</summary>
public static class UploadChunks
{
    public const int Bytes = 1024 * 1024;
}
