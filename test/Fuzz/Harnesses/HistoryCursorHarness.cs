using System.Text;
using OrleansTasks.History;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>The <c>cursor</c> of a task list request: refused with 400, or a position that encodes back to itself.</summary>
internal sealed class HistoryCursorHarness : IHarness
{
    public string Name => "history-cursor";

    public string Covers => "HistoryCursor.Decode (the cursor query parameter of GET /api/tasks)";

    public void Run(byte[] input)
    {
        HistoryCursor? cursor;
        try
        {
            cursor = HistoryCursor.Decode(Encoding.UTF8.GetString(input));
        }
        catch (InvalidListRequestException)
        {
            return;
        }

        if (cursor is { } position && HistoryCursor.Decode(position.Encode()) != position)
        {
            throw new InvalidOperationException($"The cursor {position} does not survive encoding.");
        }
    }
}
