using System.Collections.Concurrent;

namespace Auditor.Detection.Rules;

/// <summary>
/// What was resolved for each stream (model, route) from configuration objects that are replaced as a whole, never
/// changed in place (a <see cref="RuleSet"/>, a table of calibrated thresholds): globs and lookups run once per stream
/// instead of once per sample. The cache starts over whenever either source is a different object, and holds at most
/// <see cref="MaxStreams"/> streams, because hostile input may invent stream names (past the bound, values are
/// resolved per call).
/// </summary>
public sealed class PerStreamCache<T>
{
    public const int MaxStreams = 10_000;
    private volatile Generation? _current;

    private sealed record Generation(object Source, object? Overlay, ConcurrentDictionary<(string Model, string Route), T> Streams);

    /// <summary>
    /// The value for the stream under <paramref name="source"/> and <paramref name="overlay"/>, computed by
    /// <paramref name="resolve"/> on a miss (the state argument keeps the hot path free of closure allocations).
    /// </summary>
    public T Get<TState>(object source, object? overlay, string model, string route, TState state, Func<TState, string, string, T> resolve)
    {
        var generation = _current;
        if (generation is null || !ReferenceEquals(generation.Source, source) || !ReferenceEquals(generation.Overlay, overlay))
            _current = generation = new Generation(source, overlay, new());
        if (generation.Streams.TryGetValue((model, route), out var hit))
            return hit;
        var resolved = resolve(state, model, route);
        if (generation.Streams.Count < MaxStreams)
            generation.Streams.TryAdd((model, route), resolved);
        return resolved;
    }
}
