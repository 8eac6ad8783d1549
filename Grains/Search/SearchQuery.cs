using System.Collections.Immutable;

namespace OrleansTasks.Search;

/// <summary>
/// A parsed search: every term must match (the terms are AND-ed). Each store turns the terms into
/// its own query objects, so user text never reaches a query syntax. Parse one with
/// <see cref="SearchQueryParser.Parse"/>.
/// </summary>
public sealed record SearchQuery(ImmutableArray<SearchTerm> Terms);

/// <summary>One term of a <see cref="SearchQuery"/>: letters and digits only, as the user wrote them.</summary>
public abstract record SearchTerm;

/// <summary>A whole word, matched by its English stem (<c>grains</c> matches <c>grain</c>).</summary>
public sealed record SearchWord(string Text) : SearchTerm;

/// <summary>Every word that begins with <see cref="Text"/> once stemmed (<c>grain*</c> matches <c>grain417</c>).</summary>
public sealed record SearchPrefix(string Text) : SearchTerm;

/// <summary>Words adjacent and in order; a stop word inside keeps its place as a gap.</summary>
public sealed record SearchPhrase(ImmutableArray<string> Words) : SearchTerm;
