using System.Collections.Concurrent;
using Auditor.Detection.Rules;
using Auditor.Review.Routing;
using Auditor.Server.Configuration;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Detection;

/// <summary>
/// The review fractions of a stream: the global ones from configuration (Auditor:Review:*) when set there, else from
/// rules/ `review:`; then any rules/ per-stream override for a matching stream. Resolved once per stream and rule set.
/// </summary>
public sealed class StreamReviewFractions(RulesWatcher rules, IOptions<AuditorOptions> options, IConfiguration configuration) : IReviewFractionsSource
{
    private const int MaxCachedStreams = 10_000;
    private volatile Cache? _cache;

    private sealed record Cache(RuleSet Rules, ConcurrentDictionary<(string, string), ReviewFractions> Streams);

    public ReviewFractions For(string model, string route)
    {
        var current = rules.Current;
        var cache = _cache;
        if (cache is null || !ReferenceEquals(cache.Rules, current))
            _cache = cache = new Cache(current, new());
        if (cache.Streams.TryGetValue((model, route), out var hit))
            return hit;
        var resolved = Resolve(current, model, route);
        if (cache.Streams.Count < MaxCachedStreams)
            cache.Streams.TryAdd((model, route), resolved);
        return resolved;
    }

    private ReviewFractions Resolve(RuleSet current, string model, string route)
    {
        var review = options.Value.Review;
        var uniform = configuration["Auditor:Review:UniformFraction"] is null ? current.Review.Uniform : review.UniformFraction;
        var flagged = configuration["Auditor:Review:FlaggedFraction"] is null ? current.Review.Flagged : review.FlaggedFraction;
        foreach (var stream in current.MatchingStreams(model, route))
        {
            uniform = stream.UniformFraction ?? uniform;
            flagged = stream.FlaggedFraction ?? flagged;
        }
        return new ReviewFractions(uniform, flagged, review.DoubleReviewFraction).Validated();
    }
}
