namespace OrleansTasks.Admission;

/// <summary>
/// The rows the admission queue is stored in: its index and its pages. Each write checks the version the writer
/// last read or wrote of that row; a refused or failed write throws, and the writer writes nothing more.
/// </summary>
public interface IAdmissionRows
{
    Task WriteIndexAsync(AdmissionQueueState index);

    Task WritePageAsync(int page, AdmissionPage content);

    Task ClearPageAsync(int page);
}
