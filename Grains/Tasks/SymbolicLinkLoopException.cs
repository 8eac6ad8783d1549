namespace OrleansTasks.Tasks;

/// <summary>A path whose symbolic links did not lead anywhere within <see cref="SourcePathResolver.MaxLinkHops"/> hops: a link loop.</summary>
internal sealed class SymbolicLinkLoopException(string path, int maxHops)
    : IOException($"The symbolic links in '{path}' loop: more than {maxHops} links were followed.")
{
}
