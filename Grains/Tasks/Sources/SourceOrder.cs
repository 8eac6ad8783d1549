namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The stable order of a directory source's files: depth first, the entries of each directory in
/// ordinal order of their names. Comparing relative paths name by name gives the same order, so a
/// position (a relative path) says exactly which files come after it.
/// </summary>
public static class SourceOrder
{
    public static int Compare(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var a = left.Split('/');
        var b = right.Split('/');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var order = string.CompareOrdinal(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}
