using OrleansTasks.Uploads;

namespace OrleansTasks.Grains.Tests.Uploads;

public sealed class FileUploadStoreTests : UploadStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("orleans-tasks-uploads-").FullName;
    private readonly FileUploadStore _store;

    public FileUploadStoreTests() => _store = new FileUploadStore(_directory);

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    protected override Task<IUploadStore> StoreAsync() => Task.FromResult<IUploadStore>(_store);

    protected override Task<long> StoredAsync() => Task.FromResult((long)Directory.GetFiles(_directory).Length);
}
