namespace OrleansTasks.Indexing;

/// <summary>Where a removal of unseen documents stands: how many it has taken out, and whether it is over.</summary>
public readonly record struct UnseenRemoval(long Deleted, bool Done);
