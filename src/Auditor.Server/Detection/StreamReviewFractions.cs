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
    private readonly PerStreamCache<ReviewFractions> _streams = new();

    public ReviewFractions For(string model, string route)
    {
        var current = rules.Current;
        return _streams.Get(current, null, model, route, (this, current), static (s, m, r) => s.Item1.Resolve(s.current, m, r));
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
